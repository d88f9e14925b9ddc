/* Cell renderers for dash-ag-grid (dashboard/components/grid.py).
 * Plain functions returning React elements: no eval, no inline script, so they run
 * under the app's Content-Security-Policy. */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions =
  window.dashAgGridComponentFunctions || {});

/* Dark or white text, whichever reads better on the hex colour `background`. */
function badgeTextColor(background) {
  var hex = /^#([0-9a-f]{6})$/i.exec(background || "");
  if (!hex) {
    return "#fff";
  }
  var channel = function (i) {
    var c = parseInt(hex[1].substr(i, 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  var luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  return luminance > 0.18 ? "#212529" : "#fff";
}

/* A value as a coloured badge; cellRendererParams.colors maps values to colours. */
dagcomponentfuncs.Badge = function (props) {
  if (props.value === null || props.value === undefined || props.value === "") {
    return null;
  }
  var background = (props.colors || {})[props.value] || "#6c757d";
  return React.createElement(
    "span",
    {
      className: "badge grid-badge",
      style: { backgroundColor: background, color: badgeTextColor(background) },
    },
    String(props.value)
  );
};

/* A patient id as a link to the patient's profile (patientProfileHref:
 * 30-patient-links.js). A plain click opens it inside the app (as dcc.Link does: no
 * reload); a click with a modifier key, or a middle click, is the browser's (a new tab
 * or window). The address is made again when the pointer or the focus reaches the link:
 * the grid keeps a row's cell when the page's site filter changes, and the address
 * carries that filter. */
dagcomponentfuncs.PatientLink = function (props) {
  if (props.value === null || props.value === undefined || props.value === "") {
    return null;
  }
  var patientId = String(props.value);
  var refreshHref = function (event) {
    event.currentTarget.setAttribute("href", patientProfileHref(patientId));
  };
  return React.createElement(
    "a",
    {
      href: patientProfileHref(patientId),
      className: "patient-link",
      title: "Open the profile of patient " + patientId,
      onMouseEnter: refreshHref,
      onFocus: refreshHref,
      onClick: function (event) {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
          return;
        }
        event.preventDefault();
        window.history.pushState({}, "", patientProfileHref(patientId));
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        window.scrollTo(0, 0);
      },
    },
    patientId
  );
};

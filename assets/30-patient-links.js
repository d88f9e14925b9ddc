/* Clicking a patient in a per-patient figure (the Safety heat map and AE timeline, the
 * Survival swimmer plot) opens that patient's profile, keeping ?version=N: the
 * clientside callbacks of dashboard/callbacks/patient_links.py. Plain functions, no
 * eval: they run under the app's Content-Security-Policy. */

/* The profile's address for `patientId`: /patients/<id>, keeping the data version
 * shown (?version=N) and carrying the page's "Patients from" filter (?site=), so that
 * the profile's previous / next stay within that site. */
function patientProfileHref(patientId) {
  var version = new URLSearchParams(window.location.search).get("version");
  var filter = document.querySelector("select.site-filter");
  var query = new URLSearchParams();
  if (version) {
    query.set("version", version);
  }
  if (filter && filter.value && filter.value !== "all") {
    query.set("site", filter.value);
  }
  var text = query.toString();
  return "/patients/" + encodeURIComponent(patientId) + (text ? "?" + text : "");
}

window.dash_clientside = Object.assign({}, window.dash_clientside, {
  patients: {
    /* The profile address of the patient on axis "x" or "y" of the clicked point (a
     * timeline label may end with "*": not yet transplanted), with the current query. */
    profilePath: function (clickData, axis) {
      var point = clickData && clickData.points && clickData.points[0];
      var id = point && point[axis];
      if (id === undefined || id === null || id === "") {
        return window.dash_clientside.no_update;
      }
      id = String(id).replace(/\*$/, "");
      return patientProfileHref(id);
    },
    byX: function (clickData) {
      return window.dash_clientside.patients.profilePath(clickData, "x");
    },
    byY: function (clickData) {
      return window.dash_clientside.patients.profilePath(clickData, "y");
    },
  },
});

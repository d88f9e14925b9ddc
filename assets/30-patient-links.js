/* Clicking a patient in a per-patient figure (the Safety heat map and AE timeline, the
 * Survival swimmer plot) opens that patient's profile, keeping ?version=N: the
 * clientside callbacks of dashboard/callbacks/patient_links.py. Plain functions, no
 * eval: they run under the app's Content-Security-Policy. */
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
      return "/patients/" + encodeURIComponent(id) + window.location.search;
    },
    byX: function (clickData) {
      return window.dash_clientside.patients.profilePath(clickData, "x");
    },
    byY: function (clickData) {
      return window.dash_clientside.patients.profilePath(clickData, "y");
    },
  },
});

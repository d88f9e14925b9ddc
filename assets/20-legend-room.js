// A figure's legend is a row above the plot, under the title (dashboard/figures/theme.py).
// On a narrow screen Plotly wraps it onto more rows and grows it upwards, over the title.
// After each draw, this sets the plot's top margin to what the title and the legend
// take (never less than the figure's own), so the legend sits between them and the
// plot at every width, and gives the room back when the screen widens.
(function () {
  "use strict";
  var GAP = 6;
  var TRIES = 3; // per figure and width: a legend that cannot fit is left as it is

  function makeRoom(graph) {
    var title = graph.querySelector(".gtitle");
    var legend = graph.querySelector(".legend");
    var full = graph._fullLayout;
    if (!title || !legend || !full || !window.Plotly) return;
    var box = graph.getBoundingClientRect();
    if (box.height < 1 || box.width < 1) return;  // hidden: nothing is laid out yet
    var own = graph.layout;
    if (own.__legendRoomBase === undefined) {  // a figure not seen yet: its own margin
      // Dash may hand back the layout this script changed: then the base stays.
      var stated = own.margin && own.margin.t;
      own.__legendRoomBase = stated !== undefined && stated === graph.__legendRoomSet
        ? graph.__legendRoomOwn : stated || full.margin.t;
      graph.__legendRoomOwn = own.__legendRoomBase;
      graph.__legendRoomWidth = null;
    }
    if (graph.__legendRoomWidth !== box.width) {
      graph.__legendRoomWidth = box.width;
      graph.__legendRoomTries = 0;
    }
    var titleBottom = title.getBoundingClientRect().bottom - box.top;
    var legendHeight = legend.getBoundingClientRect().height;
    var needed = Math.max(
      own.__legendRoomBase,
      Math.ceil(titleBottom + GAP + legendHeight + 2)
    );
    if (Math.abs(needed - full.margin.t) > 2 && needed < full.height / 2 &&
        graph.__legendRoomTries < TRIES) {
      graph.__legendRoomTries += 1;
      graph.__legendRoomSet = needed;
      window.Plotly.relayout(graph, { "margin.t": needed });
    }
  }

  function watch(graph) {
    if (graph.__legendRoom || typeof graph.on !== "function") return;
    graph.__legendRoom = true;
    graph.on("plotly_afterplot", function () { makeRoom(graph); });
    makeRoom(graph);
  }

  new MutationObserver(function () {
    document.querySelectorAll(".js-plotly-plot").forEach(watch);
  }).observe(document.documentElement, { childList: true, subtree: true });
})();

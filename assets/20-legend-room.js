// A figure's legend is a row above the plot, under the title (dashboard/figures/theme.py).
// On a narrow screen Plotly wraps it onto more rows and grows it upwards, over the title.
// After each draw, this sets the plot's top margin to what the title and the legend
// take, so the legend sits between them and the plot at every width.
(function () {
  "use strict";
  var GAP = 6;
  var TRIES = 3; // per figure drawn: a legend that cannot fit is left as it is

  function makeRoom(graph) {
    var title = graph.querySelector(".gtitle");
    var legend = graph.querySelector(".legend");
    var full = graph._fullLayout;
    if (!title || !legend || !full || !window.Plotly) return;
    if (graph.layout !== graph.__legendRoomLayout) {  // a new figure (Plotly.react)
      graph.__legendRoomLayout = graph.layout;
      graph.__legendRoomTries = 0;
    }
    var box = graph.getBoundingClientRect();
    if (box.height < 1 || box.width < 1) return;  // hidden: nothing is laid out yet
    var top = box.top;
    var titleBottom = title.getBoundingClientRect().bottom - top;
    var legendBox = legend.getBoundingClientRect();
    if (legendBox.top - top >= titleBottom + GAP - 1) return;
    var needed = Math.ceil(titleBottom + GAP + legendBox.height + 2);
    if (needed < full.height / 2 && graph.__legendRoomTries < TRIES) {
      graph.__legendRoomTries += 1;
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

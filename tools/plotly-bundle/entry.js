// The trace types the dashboard draws, on top of plotly.js core (which brings `scatter`,
// the cartesian axes, shapes, annotations, legend, hover, modebar and the `en` locale).
// Add a trace type here when a figure starts using it, then run
// tools/build_plotly_bundle.sh; a type missing here leaves its graph empty and logs
// "Unrecognized trace type" in the browser console.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/funnel'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/scattergeo'),
    // The "strict" scattergl: precompiled WebGL (regl) code, no `new Function`, so it
    // runs under the app's Content-Security-Policy (no 'unsafe-eval'). The plain
    // `plotly.js/lib/scattergl` would not.
    require('plotly.js/src/traces/scattergl/strict'),
]);

module.exports = Plotly;

// Bundles entry.js into one minified script that sets `window.Plotly`.
// Run through tools/build_plotly_bundle.sh, which installs the pinned packages first.
// Usage: node build.js OUTFILE
'use strict';

const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const outfile = process.argv[2];
if (!outfile) {
    console.error('usage: node build.js OUTFILE');
    process.exit(2);
}
const here = __dirname;
const plotlyVersion = require('plotly.js/package.json').version;
const esbuildVersion = require('esbuild/package.json').version;
const entry = fs.readFileSync(path.join(here, 'entry.js'), 'utf8');
const traces = ['scatter'].concat(
    Array.from(entry.matchAll(/^\s*require\('plotly\.js\/(?:lib\/(\w+)|src\/traces\/(\w+)\/strict)'\)/gm),
        (m) => m[1] || m[2] + ' (strict)')
);
// plotly.js's own licence header, as at the top of its dist/plotly.min.js
const dist = fs.readFileSync(require.resolve('plotly.js/dist/plotly.min.js'), 'utf8');
const licence = dist.slice(0, dist.indexOf('*/') + 2);

const banner = [
    licence,
    '/* Partial plotly.js bundle for the MTSA dashboard, served from assets/ in place of',
    ' * the full plotly.min.js: dcc.Graph uses window.Plotly when it is already set.',
    ' * plotly.js ' + plotlyVersion + ', trace types: ' + traces.join(', ') + '.',
    ' * Built by tools/build_plotly_bundle.sh from tools/plotly-bundle/ (entry.js,',
    ' * package-lock.json) with esbuild ' + esbuildVersion + '; do not edit, rebuild. */',
].join('\n');

esbuild.buildSync({
    entryPoints: [path.join(here, 'entry.js')],
    outfile: outfile,
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'Plotly', // var Plotly at the top level of a classic script = window.Plotly
    target: 'es2016',
    // as plotly.js's own esbuild-config.js
    alias: { regl: '@plotly/regl' },
    define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
    banner: { js: banner },
    legalComments: 'none',
    logLevel: 'warning',
});
// maplibre-gl's stylesheet comes along through plotly's registry; no map trace here
for (const extra of [outfile.replace(/\.js$/, '.css')]) {
    if (fs.existsSync(extra)) fs.unlinkSync(extra);
}
console.log(`plotly.js ${plotlyVersion}: ${traces.join(', ')}`);

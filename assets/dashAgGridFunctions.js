/* Functions for dash-ag-grid's {"function": ...} expressions (dashboard/components/grid.py).
 * Plain functions, no eval: they run under the app's Content-Security-Policy. */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

/* A text that a spreadsheet would run as a formula: after any leading single quotes,
 * it starts with =, +, -, @, a tab or a carriage return (data_access.bundle_read). */
var FORMULA_START = /^'*[=+\-@\t\r]/;

/* csvExportParams.processCellCallback: each cell as AG Grid would export it (the
 * formatted value unless the column says useValueFormatterForExport: false), with one
 * more ' in front of a text that starts like a formula, as the server's CSV files do.
 * Numbers and dates are never quoted, so -1.5 stays a number. */
dagfuncs.csvSafeCell = function (params) {
  var value = params.value;
  var colDef = params.column.getColDef();
  var text = typeof value === "string";
  if (colDef.valueFormatter && colDef.useValueFormatterForExport !== false) {
    value = params.formatValue(value);
  }
  if (value === null || value === undefined) {
    return "";
  }
  if (text && typeof value === "string" && FORMULA_START.test(value)) {
    return "'" + value;
  }
  return value;
};

/* A recovery day of the day-90 grid (pages/recovery.py): "not reached", or the day with
 * "(no nadir)" when the count never fell under the threshold after day 0, so that
 * recovery is day 0 by the rule rather than a true recovery. */
dagfuncs.recoveryDay = function (params) {
  if (params.value === null || params.value === undefined) {
    return "not reached";
  }
  var flag = params.colDef.field.replace(/_day$/, "_no_nadir");
  return params.data && params.data[flag] ? params.value + " (no nadir)" : String(params.value);
};

/**
 * The demo's SVG bar chart: the shared chart code lives in `src/compare/charts.ts` (used by the
 * comparison reports too) and is re-exported here for the CLI.
 *
 * @module
 */
export { groupedBarChart, type Bar, type GroupedBars } from '../compare/charts.js';

/** Identifiers shared by package.json contributions and the code. */

export const EXTENSION_NAME = 'Roo Usage';
export const SERVER_ID = 'rooUsage';
export const SERVER_NAME = 'Roo Usage Server';
export const CONFIG_SECTION = 'rooUsage';

export const VIEW_CONTAINER_ID = 'rooUsage';
export const SUMMARY_VIEW_ID = 'rooUsage.summaryView';
export const SUMMARY_PANEL_TYPE = 'rooUsage.summaryPanel';
export const CARD_TITLE = 'AI Inference Summary';

export const Commands = {
    openSummary: 'rooUsage.openSummary',
    showSummary: 'rooUsage.showSummary',
    restartServer: 'rooUsage.restartServer',
    rescan: 'rooUsage.rescan',
    showOutput: 'rooUsage.showOutput',
} as const;

/** The module the default interpreter runs: `python3 -m roo_usage serve`. */
export const SERVER_MODULE = 'roo_usage';

/** A crashed server is restarted at most this many times within the window, then left stopped. */
export const MAX_RESTARTS = 4;
export const RESTART_WINDOW_MS = 3 * 60 * 1000;

/** Settings changes are applied after this quiet period (several keys often change at once). */
export const RESTART_DEBOUNCE_MS = 500;

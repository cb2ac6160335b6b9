/**
 * The Roo Usage wire protocol, as the client sees it.
 *
 * Method names mirror `server/roo_usage/lsp/protocol.py` (the one source of truth); payload
 * shapes follow `protocol.md`. The client never computes figures: every number here comes from
 * the server and is only formatted for display.
 */

export const USAGE_SUMMARY = 'roo/usageSummary';
export const RECORD_USAGE = 'roo/recordUsage';
export const RESCAN = 'roo/rescan';
export const USAGE_CHANGED = 'roo/usageChanged';

export type Scope = 'all' | 'current';

/** Figures shared by `totals` and every breakdown row. */
export interface UsageFigures {
    cost: number;
    costExact: string;
    /** Includes cache reads and cache writes. */
    tokensIn: number;
    tokensOut: number;
    cacheReads: number;
    cacheWrites: number;
    tasks: number;
    requests: number;
    unknownRequests: number;
}

export interface UsageTotals extends UsageFigures {
    /** tokensIn + tokensOut, as the server adds them up. */
    tokens: number;
    deletedTasks: number;
}

export interface ModeRow extends UsageFigures {
    mode: string;
    name: string;
}

export interface WorkspaceRow extends UsageFigures {
    workspace: string;
    name: string;
}

export interface ModelRow extends UsageFigures {
    model: string;
}

export interface DayRow extends UsageFigures {
    day: string;
}

/** The summary object returned by `roo/usageSummary`. */
export interface UsageSummary {
    scope: Scope;
    workspaces: string[];
    since: string | null;
    until: string | null;
    timeZone: string;
    revision: number;
    currency: string;
    totals: UsageTotals;
    byMode: ModeRow[];
    byWorkspace: WorkspaceRow[];
    byModel: ModelRow[];
    byDay: DayRow[];
}

export interface UsageSummaryParams {
    scope?: Scope;
    workspaces?: string[];
    since?: string;
    until?: string;
    timeZone?: string;
}

/** The payload of the `roo/usageChanged` notification. */
export interface UsageChangedParams {
    revision: number;
    timeZone: string;
    workspaces: string[];
    all: UsageTotals;
    current: UsageTotals;
    today: UsageTotals;
}

/** `initializationOptions` understood by the server (every key optional). */
export interface InitializationOptions {
    storageDir?: string;
    sources?: string[];
    scanDefaultSources?: boolean;
    timeZone?: string;
}

export interface RescanResult {
    revision: number;
    tasksAdded: number;
    tasksUpdated: number;
    requestsAdded: number;
    requestsUpdated: number;
    tasksDeleted: number;
    filesScanned: number;
    filesUnchanged: number;
    skipped: { path: string; reason: string }[];
    sources: { source: string; path: string; tasks: number }[];
}

/**
 * Holds what the server said: both summaries (scope "all" and "current"), the latest
 * `roo/usageChanged` payload and the server's state. The card and the status bar render from
 * here; switching Current/All therefore never waits for the server.
 */
import { folderName } from './format';
import { traceError } from './logging';
import { Scope, USAGE_SUMMARY, UsageChangedParams, UsageSummary, UsageSummaryParams, UsageTotals } from './protocol';

export type ServerState = 'starting' | 'running' | 'stopped';

export type RequestFn = (method: string, params: UsageSummaryParams) => Promise<UsageSummary>;

export interface StoreSnapshot {
    server: ServerState;
    /** Why the server is stopped, for the card (plain text). */
    message?: string;
    all?: UsageSummary;
    current?: UsageSummary;
    /** Names of the editor's workspace folders (the card's "Current" label before any summary). */
    folders: string[];
    changed?: UsageChangedParams;
    /** Today's totals fetched before any push arrived (the push carries them afterwards). */
    todayFallback?: UsageTotals;
}

export type StatusFigure = 'all' | 'current' | 'today';

export class UsageStore {
    private state: StoreSnapshot = { server: 'starting', folders: [] };
    private request: RequestFn | undefined;
    private inFlight: Promise<void> | undefined;
    private again = false;
    private readonly listeners = new Set<(s: StoreSnapshot) => void>();

    get snapshot(): StoreSnapshot {
        return this.state;
    }

    onDidChange(listener: (s: StoreSnapshot) => void): { dispose(): void } {
        this.listeners.add(listener);
        return { dispose: () => this.listeners.delete(listener) };
    }

    setFolders(folders: readonly string[]): void {
        this.update({ folders: folders.map(folderName) });
    }

    /** Connects the store to a running server (or disconnects it with `undefined`). */
    setServer(server: ServerState, request?: RequestFn, message?: string): void {
        this.request = server === 'running' ? request : undefined;
        this.update({ server, message });
        if (server === 'running') void this.refresh();
    }

    /** A `roo/usageChanged` push: the status bar updates at once, the summaries are re-fetched. */
    handleUsageChanged(params: UsageChangedParams): void {
        this.update({ changed: params, todayFallback: undefined });
        void this.refresh();
    }

    /** Re-fetches both summaries; overlapping calls coalesce into one extra round. */
    refresh(): Promise<void> {
        if (this.inFlight) {
            this.again = true;
            return this.inFlight;
        }
        this.inFlight = (async () => {
            try {
                do {
                    this.again = false;
                    await this.fetchOnce();
                } while (this.again);
            } finally {
                this.inFlight = undefined;
            }
        })();
        return this.inFlight;
    }

    /** Resolves once no refresh is running. */
    settled(): Promise<void> {
        return this.inFlight ?? Promise.resolve();
    }

    private async fetchOnce(): Promise<void> {
        const request = this.request;
        if (!request) return;
        try {
            const [all, current] = await Promise.all([
                request(USAGE_SUMMARY, { scope: 'all' satisfies Scope }),
                request(USAGE_SUMMARY, { scope: 'current' satisfies Scope }),
            ]);
            if (request !== this.request) return; // the server was restarted meanwhile
            let todayFallback = this.state.todayFallback;
            if (!this.state.changed) {
                const day = todayIn(all.timeZone);
                if (day) {
                    const today = await request(USAGE_SUMMARY, { scope: 'all', since: day, until: day });
                    todayFallback = today.totals;
                }
            }
            this.update({ all, current, todayFallback });
        } catch (error) {
            // The card keeps the last figures; details go to the output channel, never a dialog.
            traceError('Could not fetch the usage summary:', error);
        }
    }

    /** Totals for the status bar: the freshest of the last push and the held summaries. */
    statusTotals(figure: StatusFigure): UsageTotals | undefined {
        const { changed, all, current, todayFallback } = this.state;
        if (figure === 'today') return changed?.today ?? todayFallback;
        const summary = figure === 'all' ? all : current;
        if (changed && (!summary || changed.revision >= summary.revision)) {
            return figure === 'all' ? changed.all : changed.current;
        }
        return summary?.totals;
    }

    private update(patch: Partial<StoreSnapshot>): void {
        this.state = { ...this.state, ...patch };
        for (const listener of this.listeners) listener(this.state);
    }
}

/** Today's date `YYYY-MM-DD` in an IANA time zone (undefined if the zone is unknown). */
export function todayIn(timeZone: string, now = new Date()): string | undefined {
    try {
        return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
    } catch {
        return undefined;
    }
}

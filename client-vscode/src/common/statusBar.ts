/** The status-bar item: a cost figure (all-time, current workspace or today) that opens the card. */
import type { StatusBarItem } from 'vscode';
import { CARD_TITLE, Commands } from './constants';
import { formatCost, formatTokens } from './format';
import { UsageTotals } from './protocol';
import { StatusBarFigure } from './settings';
import { StoreSnapshot, UsageStore } from './usageStore';
import { createStatusBarItem } from './vscodeapi';

const FIGURE_LABEL: Record<StatusBarFigure, string> = {
    all: 'all workspaces, all time',
    current: 'current workspace',
    today: 'today, all workspaces',
};

export interface StatusBarView {
    text: string;
    tooltip: string;
}

/** What the item shows for a store snapshot (pure, unit tested). */
export function describeStatus(snapshot: StoreSnapshot, totals: UsageTotals | undefined, figure: StatusBarFigure): StatusBarView {
    if (snapshot.server === 'stopped') {
        return {
            text: '$(warning) Roo Usage',
            tooltip: `Roo Usage: the server is not running.${snapshot.message ? `\n${snapshot.message}` : ''}\nClick to open the ${CARD_TITLE}.`,
        };
    }
    if (!totals) {
        return { text: '$(credit-card) …', tooltip: `Roo Usage: waiting for the server.\nClick to open the ${CARD_TITLE}.` };
    }
    const currency = snapshot.all?.currency ?? 'USD';
    const uncached = totals.tokensIn - totals.cacheReads - totals.cacheWrites;
    const lines = [
        `Roo Usage — ${FIGURE_LABEL[figure]}`,
        `Cost: ${formatCost(totals.cost, currency)}`,
        `Tokens in: ${formatTokens(totals.tokensIn)} (uncached ${formatTokens(uncached)}, cache read ${formatTokens(totals.cacheReads)}, cache write ${formatTokens(totals.cacheWrites)})`,
        `Tokens out: ${formatTokens(totals.tokensOut)}`,
        `Tasks: ${formatTokens(totals.tasks)} · Requests: ${formatTokens(totals.requests)}`,
        `Click to open the ${CARD_TITLE}.`,
    ];
    return { text: `$(credit-card) ${formatCost(totals.cost, currency)}`, tooltip: lines.join('\n') };
}

export class UsageStatusBar {
    private readonly item: StatusBarItem;
    private figure: StatusBarFigure = 'all';
    private enabled = true;
    private readonly subscription: { dispose(): void };

    constructor(private readonly store: UsageStore) {
        this.item = createStatusBarItem('rooUsage.status', 100);
        this.item.name = 'Roo Usage';
        this.item.command = Commands.showSummary;
        this.subscription = store.onDidChange(() => this.render());
    }

    configure(figure: StatusBarFigure, enabled: boolean): void {
        this.figure = figure;
        this.enabled = enabled;
        this.render();
    }

    render(): void {
        if (!this.enabled) {
            this.item.hide();
            return;
        }
        const view = describeStatus(this.store.snapshot, this.store.statusTotals(this.figure), this.figure);
        this.item.text = view.text;
        this.item.tooltip = view.tooltip;
        this.item.show();
    }

    dispose(): void {
        this.subscription.dispose();
        this.item.dispose();
    }
}

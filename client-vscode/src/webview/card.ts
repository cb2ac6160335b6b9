/**
 * The "AI Inference Summary" card (runs inside the webview).
 *
 * It receives the extension's CardState by postMessage and renders it. It never computes a
 * figure: every number comes from the server's summary objects and is only formatted. Every
 * server string is written with textContent / setAttribute, never parsed as HTML.
 */
import { folderName, formatCost, formatTokens, plural } from '../common/format';
import type { DayRow, UsageFigures, UsageSummary } from '../common/protocol';
import type { CardState, FromWebview, ToWebview } from './messages';

type Scope = 'all' | 'current';

interface VsCodeApi {
    postMessage(message: FromWebview): void;
    getState(): { scope?: Scope } | undefined;
    setState(state: { scope: Scope }): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let scope: Scope = vscode.getState()?.scope === 'current' ? 'current' : 'all';
let state: CardState | undefined;

// ---- tiny DOM helpers (text only) -----------------------------------------------------------

type Child = Node | string | null | undefined | false;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    for (const child of children) {
        if (child === null || child === undefined || child === false) continue;
        node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number> = {}): SVGElement {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    return node;
}

// ---- the static frame: header with title and the Current/All toggle ---------------------------

const root = document.getElementById('root') as HTMLElement;
const scopeLabel = el('p', { class: 'scope-label', id: 'scope-label' });
const toggleButtons = new Map<Scope, HTMLButtonElement>();
const toggle = el('div', { class: 'scope-toggle', role: 'group', 'aria-label': 'Workspaces shown' });
for (const [value, label, hint] of [
    ['current', 'Current', 'Usage of the open workspace folders'],
    ['all', 'All', 'Usage of every workspace'],
] as const) {
    const button = el('button', { type: 'button', 'data-scope': value, title: hint }, label);
    button.addEventListener('click', () => setScope(value));
    button.addEventListener('keydown', (event) => {
        // Arrow keys move between the two options, like a segmented control.
        if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
            event.preventDefault();
            const other: Scope = value === 'all' ? 'current' : 'all';
            setScope(other);
            toggleButtons.get(other)?.focus();
        }
    });
    toggleButtons.set(value, button);
    toggle.append(button);
}
const content = el('div', { class: 'content', id: 'content', 'aria-live': 'polite' });
root.append(
    el('header', { class: 'card-header' },
        el('div', { class: 'title-block' }, el('h1', { id: 'card-title' }, 'AI Inference Summary'), scopeLabel),
        toggle),
    content,
);
root.setAttribute('aria-labelledby', 'card-title');

function setScope(next: Scope): void {
    if (next === scope) return;
    scope = next;
    vscode.setState({ scope });
    vscode.postMessage({ type: 'scope', scope });
    render();
}

// ---- rendering -----------------------------------------------------------------------------

function render(): void {
    for (const [value, button] of toggleButtons) button.setAttribute('aria-pressed', String(value === scope));
    root.dataset.scope = scope;
    const summary = state ? (scope === 'all' ? state.all : state.current) : undefined;
    scopeLabel.textContent = describeScope(summary);
    const sections: Child[] = [];
    if (state?.server === 'stopped') sections.push(serverNote(state.message));
    if (!summary) {
        if (state?.server !== 'stopped') sections.push(el('p', { class: 'calm', 'data-testid': 'waiting' }, 'Connecting to the Roo Usage server…'));
        content.replaceChildren(...sections.filter(isNode));
        root.setAttribute('aria-busy', state?.server === 'stopped' ? 'false' : 'true');
        return;
    }
    root.setAttribute('aria-busy', 'false');
    sections.push(...renderSummary(summary));
    content.replaceChildren(...sections.filter(isNode));
}

function isNode(child: Child): child is Node {
    return child instanceof Node;
}

function describeScope(summary: UsageSummary | undefined): string {
    if (scope === 'all') return 'All workspaces';
    const names = summary && summary.workspaces.length > 0 ? summary.workspaces.map(folderName) : state?.folders ?? [];
    return names.length > 0 ? `Current: ${names.join(', ')}` : 'Current: no folder open';
}

function serverNote(message: string | undefined): HTMLElement {
    const restart = el('button', { type: 'button', class: 'link-button' }, 'Restart server');
    restart.addEventListener('click', () => vscode.postMessage({ type: 'command', command: 'restartServer' }));
    const output = el('button', { type: 'button', class: 'link-button' }, 'Show output');
    output.addEventListener('click', () => vscode.postMessage({ type: 'command', command: 'showOutput' }));
    return el('div', { class: 'note', role: 'status', 'data-testid': 'server-note' },
        el('p', {}, message ?? 'The Roo Usage server is not running.'),
        el('p', { class: 'actions' }, restart, output));
}

function renderSummary(summary: UsageSummary): Child[] {
    const { totals, currency } = summary;
    const empty = totals.requests === 0 && totals.tasks === 0;
    const uncached = totals.tokensIn - totals.cacheReads - totals.cacheWrites;

    const cost = el('section', { class: 'headline', 'aria-label': 'Total cost' },
        el('span', { class: 'label' }, 'Total cost'),
        el('span', { class: 'cost', 'data-testid': 'total-cost', title: `${totals.costExact} ${currency}` }, formatCost(totals.cost, currency)));

    if (empty) {
        const hint = scope === 'current' && summary.workspaces.length === 0 && (state?.folders.length ?? 0) === 0
            ? 'No workspace folder is open. Choose All to see every workspace.'
            : scope === 'current'
                ? 'No AI usage recorded for this workspace yet. Choose All to see every workspace.'
                : 'No AI usage recorded yet. Usage from Roo Code, Kilo Code and Cline appears here as soon as a task makes a request.';
        return [cost, el('p', { class: 'calm', 'data-testid': 'zero-state' }, hint), footer(summary)];
    }

    const tasksDetail: Child[] = [plural(totals.requests, 'request')];
    const notes: Child[] = [];
    if (totals.deletedTasks > 0) {
        notes.push(el('p', { class: 'fine', 'data-testid': 'deleted-note' },
            `Includes ${plural(totals.deletedTasks, 'deleted task')}: usage of deleted tasks still counts.`));
    } else {
        notes.push(el('p', { class: 'fine', 'data-testid': 'deleted-note' }, 'Deleted tasks still count.'));
    }
    if (totals.unknownRequests > 0) {
        notes.push(el('p', { class: 'fine' },
            `${plural(totals.unknownRequests, 'request')} with unknown usage counted without cost.`));
    }

    const tiles = el('section', { class: 'tiles', 'aria-label': 'Totals' },
        tile('Tokens', formatTokens(totals.tokens), 'total-tokens',
            el('span', { 'data-testid': 'tokens-in' }, `${formatTokens(totals.tokensIn)} in`), ' · ',
            el('span', { 'data-testid': 'tokens-out' }, `${formatTokens(totals.tokensOut)} out`)),
        tile('Cache reads', formatTokens(totals.cacheReads), 'cache-reads',
            el('span', { 'data-testid': 'cache-writes' }, `${formatTokens(totals.cacheWrites)} cache writes`)),
        tile('Tasks', formatTokens(totals.tasks), 'tasks', ...tasksDetail),
    );
    tiles.title = `Input includes cache reads and writes; uncached input: ${formatTokens(uncached)}`;

    const out: Child[] = [cost, tiles, ...notes];
    out.push(breakdown('By mode', 'by-mode', summary.byMode.map((row) => ({ key: row.mode, label: row.name || row.mode, title: row.mode, figures: row })), totals.cost, currency));
    if (scope === 'all' && summary.byWorkspace.length > 0) {
        out.push(breakdown('By workspace', 'by-workspace', summary.byWorkspace.map((row) => ({ key: row.workspace, label: row.name || folderName(row.workspace), title: row.workspace, figures: row })), totals.cost, currency));
    }
    if (summary.byModel.length > 0) {
        out.push(breakdown('By model', 'by-model', summary.byModel.map((row) => ({ key: row.model, label: row.model, title: row.model, figures: row })), totals.cost, currency));
    }
    if (summary.byDay.length > 0) out.push(dailyChart(summary.byDay, currency, summary.timeZone));
    out.push(footer(summary));
    return out;
}

function tile(label: string, value: string, testId: string, ...detail: Child[]): HTMLElement {
    return el('div', { class: testId === 'tasks' ? 'tile wide' : 'tile' },
        el('span', { class: 'label' }, label),
        el('span', { class: 'value', 'data-testid': testId }, value),
        el('span', { class: 'detail' }, ...detail));
}

interface BreakdownRow {
    key: string;
    label: string;
    title: string;
    figures: UsageFigures;
}

function breakdown(title: string, testId: string, rows: BreakdownRow[], totalCost: number, currency: string): HTMLElement {
    const table = el('table', { class: 'breakdown', 'data-testid': testId },
        el('thead', {}, el('tr', {},
            el('th', { scope: 'col' }, title.replace(/^By /, '').replace(/^./, (c) => c.toUpperCase())),
            el('th', { scope: 'col', class: 'num' }, 'Cost'),
            el('th', { scope: 'col', class: 'num' }, 'In'),
            el('th', { scope: 'col', class: 'num' }, 'Out'))));
    const body = el('tbody');
    for (const row of rows) {
        const share = totalCost > 0 ? Math.max(0, Math.min(1, row.figures.cost / totalCost)) : 0;
        const bar = el('span', { class: 'share', 'aria-hidden': 'true' });
        // CSSOM writes are allowed by the CSP (style attributes are not).
        bar.style.setProperty('--share', `${(share * 100).toFixed(1)}%`);
        const tr = el('tr', { 'data-key': row.key },
            el('th', { scope: 'row', title: row.title }, el('span', { class: 'row-label' }, row.label), bar),
            el('td', { class: 'num', title: `${row.figures.costExact}` }, formatCost(row.figures.cost, currency)),
            el('td', { class: 'num', title: `cache read ${formatTokens(row.figures.cacheReads)}, cache write ${formatTokens(row.figures.cacheWrites)}` }, formatTokens(row.figures.tokensIn)),
            el('td', { class: 'num' }, formatTokens(row.figures.tokensOut)));
        body.append(tr);
    }
    table.append(body);
    return el('section', { class: 'section', 'aria-label': title }, el('h2', {}, title), table);
}

const MAX_CHART_DAYS = 30;
const MIN_CHART_DAYS = 7;
const DAY_MS = 86_400_000;

function dailyChart(days: DayRow[], currency: string, timeZone: string): HTMLElement {
    // Lay the server's days on a calendar axis (days without usage stay empty).
    const byDay = new Map(days.map((d) => [d.day, d]));
    const last = Date.parse(`${days[days.length - 1].day}T00:00:00Z`);
    const first = Math.min(
        Math.max(Date.parse(`${days[0].day}T00:00:00Z`), last - (MAX_CHART_DAYS - 1) * DAY_MS),
        last - (MIN_CHART_DAYS - 1) * DAY_MS,
    );
    const axis: string[] = [];
    for (let t = first; t <= last; t += DAY_MS) axis.push(new Date(t).toISOString().slice(0, 10));
    const max = Math.max(...axis.map((d) => byDay.get(d)?.cost ?? 0), 0);

    const width = 300;
    const height = 64;
    const slot = width / axis.length;
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': `Daily cost, ${axis[0]} to ${axis[axis.length - 1]} (${timeZone})`, preserveAspectRatio: 'none' });
    chart.append(svg('line', { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: 'axis' }));
    axis.forEach((day, i) => {
        const row = byDay.get(day);
        if (!row || max <= 0) return;
        const h = Math.max(2, (row.cost / max) * (height - 4));
        const rect = svg('rect', { x: i * slot + slot * 0.15, y: height - 1 - h, width: slot * 0.7, height: h, rx: 1.5, class: 'bar', 'data-day': day });
        const tip = svg('title');
        tip.textContent = `${day}: ${formatCost(row.cost, currency)} · ${formatTokens(row.tokensIn)} in · ${formatTokens(row.tokensOut)} out`;
        rect.append(tip);
        chart.append(rect);
    });
    return el('section', { class: 'section', 'aria-label': 'Daily cost', 'data-testid': 'daily-chart' },
        el('h2', {}, 'Daily cost'),
        chart,
        el('div', { class: 'chart-axis' }, el('span', {}, axis[0]), el('span', {}, `max ${formatCost(max, currency)}/day`), el('span', {}, axis[axis.length - 1])));
}

function footer(summary: UsageSummary): HTMLElement {
    return el('footer', { class: 'footer' }, `Ledger revision ${summary.revision} · days in ${summary.timeZone}`);
}

// ---- messages --------------------------------------------------------------------------------

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
    const message = event.data;
    if (message && message.type === 'state') {
        state = message.state;
        render();
    }
});

render();
vscode.postMessage({ type: 'ready' });

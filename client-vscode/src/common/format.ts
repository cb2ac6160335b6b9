/**
 * Display formatting of server figures (shared by the status bar and the webview card).
 * Formatting only: no figure is computed here.
 */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * Formats a cost as currency: `$12.34` from $1 up; below $1 three significant digits (at least
 * two decimals), so small amounts stay readable: `$0.166`, `$0.0042`, `$0.000031`.
 */
export function formatCost(value: number, currency = 'USD'): string {
    if (!Number.isFinite(value)) return '—';
    const abs = Math.abs(value);
    let maxDecimals = 2;
    if (abs > 0 && abs < 1) {
        maxDecimals = Math.min(8, Math.max(2, 2 - Math.floor(Math.log10(abs))));
    }
    if (abs > 0 && abs < 1e-8) {
        return `<${currencyFormat(currency, 8).format(1e-8)}`;
    }
    return currencyFormat(currency, maxDecimals).format(value);
}

const currencyFormats = new Map<string, Intl.NumberFormat>();
function currencyFormat(currency: string, maxDecimals: number): Intl.NumberFormat {
    const key = `${currency}:${maxDecimals}`;
    let format = currencyFormats.get(key);
    if (!format) {
        try {
            format = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: maxDecimals });
        } catch {
            // An unknown currency code from the server: fall back to USD formatting rather than fail.
            format = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: maxDecimals });
        }
        currencyFormats.set(key, format);
    }
    return format;
}

/** `68974` → `68,974`. */
export function formatTokens(value: number): string {
    return Number.isFinite(value) ? integer.format(value) : '—';
}

/** `68974` → `69K`, `1234567` → `1.2M` (for tight spaces). */
export function formatTokensCompact(value: number): string {
    if (!Number.isFinite(value)) return '—';
    return new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

export function plural(count: number, one: string, many = `${one}s`): string {
    return `${formatTokens(count)} ${count === 1 ? one : many}`;
}

/** The last path segment of a workspace folder, for display. */
export function folderName(folder: string): string {
    const trimmed = folder.replace(/[\\/]+$/, '');
    const parts = trimmed.split(/[\\/]/);
    return parts[parts.length - 1] || trimmed || folder;
}

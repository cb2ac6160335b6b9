// Bundles the extension (node, cjs), the card (browser) and, with --tests, the tests.
// Usage: node scripts/build.mjs [--tests] [--production]
import * as esbuild from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const production = args.has('--production');

/** @type {esbuild.BuildOptions} */
const common = { bundle: true, logLevel: 'warning', absWorkingDir: root, legalComments: 'none' };

await esbuild.build({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    sourcemap: production ? false : 'linked',
    minify: production,
});

await esbuild.build({
    ...common,
    entryPoints: { webview: 'src/webview/card.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: ['chrome114'],
    minify: production,
});
await esbuild.build({
    ...common,
    entryPoints: { webview: 'src/webview/card.css' },
    outdir: 'dist',
    minify: production,
});

if (args.has('--tests')) {
    const find = (dir) =>
        readdirSync(join(root, dir)).flatMap((name) => {
            const path = join(dir, name);
            if (statSync(join(root, path)).isDirectory()) return name === 'fixtures' ? [] : find(path);
            return name.endsWith('.test.ts') ? [path] : [];
        });
    rmSync(join(root, 'out'), { recursive: true, force: true });
    await esbuild.build({
        ...common,
        entryPoints: find('test'),
        outdir: 'out/test',
        outbase: 'test',
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        sourcemap: 'inline',
        // Unit tests run against a small fake of the `vscode` module (VS Code cannot run here).
        alias: { vscode: './test/fake-vscode.ts' },
        external: ['playwright-core'],
        define: { __CLIENT_ROOT__: JSON.stringify(root) },
    });
    console.log(`tests bundled: ${find('test').map((p) => relative('test', p)).join(', ')}`);
}

/** The client-vscode folder, injected by scripts/build.mjs into the bundled tests. */
declare const __CLIENT_ROOT__: string;

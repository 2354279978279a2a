/** Bundles one entry point (a path from the project's root) into outfile (likewise); resolves to its absolute path. */
export declare function bundle(entry: string, out: string): Promise<string>;
/** The flags node runs the bundle with (package.json's start and worker scripts say the same). */
export declare const NODE_FLAGS: string[];
/** The server: server/main.ts into dist/main.js, what `npm start` runs. */
export declare function bundleServer(): Promise<string>;

import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (one level above dist/ and src/). */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export const USER_AGENT = `imgcli/${VERSION} node/${process.versions.node}`;

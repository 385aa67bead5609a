/**
 * @module
 * The recorded CLI output the unit tests are fed (src/cli/__fixtures__/<CLI version>/<scenario>.cli.ndjson, made by
 * scripts/record-cli-fixture.ts), one set per end of the tested CLI range: the translators must read both.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_VERSIONS = ['2.1.197', '2.1.332'] as const;
export type FixtureVersion = (typeof FIXTURE_VERSIONS)[number];
export const NEWEST_FIXTURES: FixtureVersion = '2.1.332';

export const FIXTURE_DIRECTORY = join(import.meta.dirname, '..', '..', 'src', 'cli', '__fixtures__');

export function fixtureLines(scenario: string, version: FixtureVersion = NEWEST_FIXTURES): string[] {
  return readFileSync(join(FIXTURE_DIRECTORY, version, `${scenario}.cli.ndjson`), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

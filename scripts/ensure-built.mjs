// `npm start` runs the built server: build first when dist/ is missing or older than src/.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(directory) {
  let latest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

if (!existsSync('dist/main.js') || newest('src') > statSync('dist/main.js').mtimeMs) {
  console.log('Building claude-cli-proxy (npm run build)...');
  execSync('npm run build', { stdio: 'inherit' });
}

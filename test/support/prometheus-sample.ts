/**
 * @module
 * Reading the proxy's /metrics text in tests.
 */

/** The value of the first sample of `name` carrying every one of `labels` (0 when there is none, as Prometheus reads it). */
export function sample(metrics: string, name: string, labels: Record<string, string> = {}): number {
  return samples(metrics, name, labels)[0] ?? 0;
}

/** The sum of every sample of `name` carrying every one of `labels`. */
export function sampleSum(metrics: string, name: string, labels: Record<string, string> = {}): number {
  return samples(metrics, name, labels).reduce((sum, value) => sum + value, 0);
}

function samples(metrics: string, name: string, labels: Record<string, string>): number[] {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  return metrics
    .split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && wanted.every((pair) => line.includes(pair)))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
}

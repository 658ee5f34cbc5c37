import { networkInterfaces } from 'node:os';

/** A bound socket address, as `fastify.addresses()` and `server.address()` report it. */
export interface BoundAddress {
  address: string;
  family: string | number;
  port: number;
}

const isV6 = (family: string | number) => family === 'IPv6' || family === 6;
const url = (address: string, v6: boolean, port: number) => `http://${v6 ? `[${address}]` : address}:${port}`;

/**
 * The URLs a listener is reachable at: its bound addresses, with a wildcard bind (`0.0.0.0`,
 * `::`) expanded to every interface address of that family, loopback first. `interfaces`
 * defaults to `os.networkInterfaces()` (injectable for tests).
 */
export function listenUrls(bound: Array<BoundAddress | string>, interfaces = networkInterfaces()): string[] {
  const urls: string[] = [];
  for (const entry of bound) {
    // A pipe or socket path: shown as it is.
    if (typeof entry === 'string') {
      urls.push(entry);
      continue;
    }
    const { address, family, port } = entry;
    if (address === '0.0.0.0' || address === '::') {
      const wantV6 = address === '::';
      const local = Object.values(interfaces)
        .flat()
        .filter((i) => i !== undefined && (wantV6 ? true : !isV6(i.family)) && !i.address.startsWith('fe80'))
        .sort((a, b) => Number(b!.internal) - Number(a!.internal));
      for (const i of local) urls.push(url(i!.address, isV6(i!.family), port));
    } else {
      urls.push(url(address, isV6(family), port));
    }
  }
  return [...new Set(urls)];
}

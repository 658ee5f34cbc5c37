/**
 * Decides which (route template, method) pairs are left out: the listed templates or the
 * predicate's answer (asked once per pair), and always the metrics endpoint itself.
 */
export function routeExclusion(
  excludeRoutes: readonly string[] | ((route: string, method: string) => boolean) | undefined,
  endpoint: string | undefined,
): (route: string, method: string) => boolean {
  if (typeof excludeRoutes === 'function') {
    const decided = new Map<string, boolean>();
    return (route, method) => {
      const key = `${method} ${route}`;
      let excluded = decided.get(key);
      if (excluded === undefined) {
        excluded = route === endpoint || excludeRoutes(route, method);
        decided.set(key, excluded);
      }
      return excluded;
    };
  }
  const routes = new Set(excludeRoutes ?? []);
  if (endpoint) routes.add(endpoint);
  return (route) => routes.has(route);
}

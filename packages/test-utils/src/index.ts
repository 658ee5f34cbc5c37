export type { TestSchema } from './postgres';
export { createTestSchema, testDatabaseConfig } from './postgres';
export type { TestRedis } from './redis';
export { createTestRedis, testRedisOptions } from './redis';
export type { TcpProxy } from './tcp-proxy';
export { tcpProxy } from './tcp-proxy';

import SwaggerParser from '@apidevtools/swagger-parser';
import { ERROR_CODES } from '../src/errors';
import { buildApp, createTestEnv, type TestApp, type TestEnv } from './helper';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

describe('OpenAPI document (/docs/json)', () => {
  let env: TestEnv;
  let t: TestApp;
  // biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document
  let doc: any;

  beforeAll(async () => {
    env = await createTestEnv('api_openapi');
    t = await buildApp(env);
    const response = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    doc = response.json();
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('is a valid OpenAPI 3.1 document for a maintained validator (@apidevtools/swagger-parser)', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    // The validator is not a rubber stamp: the same document without its info object is refused.
    await expect(SwaggerParser.validate({ ...structuredClone(doc), info: undefined })).rejects.toThrow();
  });

  it('gives every operation a unique operationId and documents its errors with the shared envelope', () => {
    const ids: string[] = [];
    for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of METHODS) {
        // biome-ignore lint/suspicious/noExplicitAny: an OpenAPI operation
        const operation = item[method] as any;
        if (!operation) continue;
        expect({ path, method, operationId: operation.operationId }).toEqual({
          path,
          method,
          operationId: expect.stringMatching(/^[a-z][A-Za-z]+$/),
        });
        ids.push(operation.operationId);
        const errors = Object.keys(operation.responses).filter((status) => Number(status) >= 400);
        expect({ path, method, errors }).toEqual({
          path,
          method,
          errors: expect.arrayContaining(
            operation.parameters?.length || operation.requestBody ? ['400', '500'] : ['500'],
          ),
        });
        for (const status of errors) {
          const schema = operation.responses[status].content['application/json'].schema;
          const ref = schema.$ref ?? '';
          if (path === '/ready' && status === '503') continue;
          expect({ path, method, status, ref }).toEqual({
            path,
            method,
            status,
            ref: '#/components/schemas/ErrorResponse',
          });
        }
        // Every operation says who may call it: `security: []` (public) or bearerAuth (then 401 is documented).
        expect({ path, method, security: Array.isArray(operation.security) }).toEqual({ path, method, security: true });
        if (operation.security.length > 0) expect(operation.responses['401']).toBeDefined();
        if (operation.requestBody)
          expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['413', '415']));
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(11);
    expect(doc.components.schemas.ErrorResponse.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
  });
});

/**
 * The Management API as an admin's tool calls it: a client-credentials token of the seeded
 * machine-to-machine app `m-default`, whose secret is in the database.
 */
import type { LogtoCore } from './core.js';
import type { LogtoDatabase } from './database.js';
import { requestJson, type JsonResponse } from './http.js';

/** Management API client of one core. */
export class ManagementApi {
  readonly #core: LogtoCore;
  readonly #secret: string;
  #token: { value: string; expiresAt: number } | undefined;

  private constructor(core: LogtoCore, secret: string) {
    this.#core = core;
    this.#secret = secret;
  }

  /** Reads `m-default`'s secret from `db`; the token is fetched on first use and renewed before it expires. */
  static async connect(core: LogtoCore, db: LogtoDatabase): Promise<ManagementApi> {
    const secret = await db.query("select secret from applications where id = 'm-default'");
    if (!secret) throw new Error(`No m-default application in ${db.name}: was it seeded?`);
    return new ManagementApi(core, secret);
  }

  /** A bearer token for `https://default.logto.app/api`, scope `all`, from the admin port. */
  async token(): Promise<string> {
    if (this.#token && this.#token.expiresAt > Date.now() + 60_000) return this.#token.value;
    const response = await requestJson<{ access_token?: string; expires_in?: number }>(
      `${this.#core.adminEndpoint}/oidc/token`,
      {
        form: { grant_type: 'client_credentials', resource: 'https://default.logto.app/api', scope: 'all' },
        headers: { authorization: `Basic ${Buffer.from(`m-default:${this.#secret}`).toString('base64')}` },
      },
    );
    if (response.status !== 200 || !response.body.access_token) {
      throw new Error(`Management API token refused: ${response.status}`);
    }
    this.#token = { value: response.body.access_token, expiresAt: Date.now() + (response.body.expires_in ?? 600) * 1000 };
    return this.#token.value;
  }

  /** Calls `${endpoint}${path}`, e.g. `request('GET', '/api/connectors')`; answers whatever status comes back. */
  async request<T = unknown>(method: string, path: string, json?: unknown): Promise<JsonResponse<T>> {
    return requestJson<T>(`${this.#core.endpoint}${path}`, {
      method,
      json,
      headers: { authorization: `Bearer ${await this.token()}` },
    });
  }
}

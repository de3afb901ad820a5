/**
 * Minimal type declarations for the parts of `oidc-provider` 9.x that the Hugging Face stand-in
 * uses. The package ships no types and `@types/oidc-provider` is not a dependency, so only what
 * the stand-in touches is declared here; everything else stays untyped on purpose. The internal
 * modules declared at the end are imported by `oidc-provider.ts` only.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** oidc-provider's configuration object; see the library's docs for the full shape. */
  export type Configuration = Record<string, unknown>;

  /** The slice of a registered client the stand-in reads or patches. */
  export interface ClientLike {
    readonly clientId: string;
    redirectUriAllowed(value: string): boolean;
    grantTypeAllowed(type: string): boolean;
  }

  export interface AccessTokenLike {
    readonly accountId: string;
    readonly clientId: string;
    readonly grantId: string;
    readonly scope?: string;
    readonly scopes: Set<string>;
    readonly isExpired: boolean;
  }

  export interface GrantLike {
    readonly accountId?: string;
    readonly clientId?: string;
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export interface InteractionLike {
    readonly uid: string;
    readonly prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    readonly params: Record<string, unknown>;
  }

  export interface InteractionResults {
    login?: { accountId: string; remember?: boolean };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
  }

  /** The Koa context oidc-provider hands to configuration callbacks. */
  export interface KoaContextLike {
    type: string;
    body: unknown;
    status: number;
    readonly query: Record<string, string | string[] | undefined>;
    readonly oidc: {
      readonly params: Record<string, string | undefined>;
      readonly client?: ClientLike;
    };
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    silent: boolean;
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionLike>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    readonly Client: { prototype: ClientLike };
    readonly AccessToken: {
      find(value: string, options?: { ignoreExpiration?: boolean }): Promise<AccessTokenLike | undefined>;
    };
    readonly Grant: {
      new (properties: { accountId: string; clientId: string }): GrantLike;
      find(id: string): Promise<GrantLike | undefined>;
    };
  }

  export namespace errors {
    class OIDCProviderError extends Error {
      readonly error: string;
      readonly error_description?: string;
      readonly status: number;
    }
    class InvalidScope extends OIDCProviderError {
      constructor(description: string, scope?: string);
    }
  }

  export default Provider;
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  /** The key-value store the memory adapter writes to (oidc-provider's own LRU by default). */
  export interface MemoryStore {
    get(key: string): unknown;
    set(key: string, value: unknown, options?: { maxAge?: number }): unknown;
    delete(key: string): boolean;
  }

  /** oidc-provider's in-memory adapter; the second argument chooses its store. */
  export default class MemoryAdapter {
    constructor(model: string, store?: MemoryStore, clockTolerance?: number);
    upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void>;
    find(id: string): Promise<Record<string, unknown> | undefined>;
    /** Marks the entry consumed (`consumed`: the time in seconds), as a rotation does. */
    consume(id: string): Promise<void>;
  }
}

declare module 'oidc-provider/lib/helpers/lru.js' {
  import type { MemoryStore } from 'oidc-provider/lib/adapters/memory_adapter.js';

  /** oidc-provider's two-generation LRU map with per-entry expiry. */
  export default class LRU implements MemoryStore {
    constructor(options: { maxSize: number });
    get(key: string): unknown;
    set(key: string, value: unknown, options?: { maxAge?: number }): this;
    delete(key: string): boolean;
  }
}

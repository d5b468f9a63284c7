// Local types for the ltijs 5.9 surface Pathwise uses (@types/ltijs describes v4).
declare module 'ltijs' {
  import type { Express } from 'express';

  /** The storage interface ltijs calls (its `database.plugin` option). */
  export interface LtijsDatabase {
    setup(): Promise<boolean>;
    Close(): Promise<boolean>;
    Get(
      encryptionKey: string | false,
      collection: string,
      query: Record<string, unknown>,
    ): Promise<Record<string, unknown>[] | false>;
    Insert(
      encryptionKey: string | false,
      collection: string,
      item: Record<string, unknown>,
      index?: Record<string, unknown>,
    ): Promise<boolean>;
    Replace(
      encryptionKey: string | false,
      collection: string,
      query: Record<string, unknown>,
      item: Record<string, unknown>,
      index?: Record<string, unknown>,
    ): Promise<boolean>;
    Modify(
      encryptionKey: string | false,
      collection: string,
      query: Record<string, unknown>,
      modification: Record<string, unknown>,
    ): Promise<boolean>;
    Delete(collection: string, query: Record<string, unknown>): Promise<boolean>;
  }

  export interface LtijsSetupOptions {
    readonly appRoute?: string;
    readonly loginRoute?: string;
    readonly keysetRoute?: string;
    readonly dynRegRoute?: string;
    readonly cors?: boolean;
    readonly devMode?: boolean;
    readonly tokenMaxAge?: number | false;
    readonly cookies?: { readonly secure?: boolean; readonly sameSite?: string };
  }

  export interface LtijsPlatform {
    platformUrl(): Promise<string>;
    platformClientId(): Promise<string>;
    platformName(): Promise<string>;
    platformKid(): Promise<string>;
    platformPrivateKey(): Promise<string>;
    platformPublicKey(): Promise<string>;
  }

  export interface LtijsProvider {
    /** The Express 4 app ltijs builds (login, keys, register and app routes). */
    app: Express;
    Database: LtijsDatabase;
    setup(
      encryptionKey: string,
      database: { readonly plugin: LtijsDatabase },
      options?: LtijsSetupOptions,
    ): LtijsProvider;
    keysetRoute(): string;
    getPlatform(issuer: string, clientId: string): Promise<LtijsPlatform | false>;
  }

  /** ltijs exports one ready-made Provider instance; its constructor builds more. */
  export const Provider: LtijsProvider;
}

/**
 * One ltijs Provider per application instance, in serverless mode over our own storage. We do not
 * call `deploy()`: in serverless mode it only connects ltijs's database (ours is connected
 * already) and installs a SIGINT handler that calls process.exit, which would cut our drain short.
 * ltijs exports a ready-made singleton; tests build several apps per process, so we construct a
 * fresh Provider from its class each time.
 */
import ltijs, { type LtijsDatabase, type LtijsProvider } from 'ltijs';

export interface LtijsSetup {
  readonly encryptionKey: string;
  readonly store: LtijsDatabase;
  readonly secureCookies: boolean;
}

export function createLtijsProvider(setup: LtijsSetup): LtijsProvider {
  const prototype = Object.getPrototypeOf(ltijs.Provider) as {
    constructor: new () => LtijsProvider;
  };
  const ProviderClass = prototype.constructor;
  const provider = new ProviderClass();
  provider.setup(
    setup.encryptionKey,
    { plugin: setup.store },
    {
      // ltijs's default CORS reflects any origin with credentials; LTI needs no CORS at all.
      cors: false,
      keysetRoute: '/keys',
      cookies: { secure: setup.secureCookies, sameSite: setup.secureCookies ? 'None' : 'Lax' },
    },
  );
  return provider;
}

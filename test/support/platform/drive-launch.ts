/**
 * Drives a full LTI 1.3 launch over real HTTP like a browser would: login initiation to the tool →
 * the tool's redirect to the platform's authorization endpoint → the platform's auto-submitting
 * form → id_token + state POSTed to the tool → redirects followed, cookies kept in a jar.
 */
import type { LoginInitiation } from '../../../src/dev/lms-simulator/index.js';
import { rememberBrowser } from './browser.js';
import { CookieJar, readForm, type HtmlForm } from './http.js';

export interface DriveLaunchOptions {
  readonly initiation: LoginInitiation;
  readonly jar?: CookieJar;
  /** How the login initiation reaches the tool (platforms use a POSTed form; GET also allowed). */
  readonly loginMethod?: 'post' | 'get';
  /** Changes the id_token form before it is posted to the tool (replace the token, drop state…). */
  readonly alterIdTokenForm?: (fields: Record<string, string>) => Record<string, string>;
  readonly maxRedirects?: number;
  readonly userAgent?: string;
}

export interface HttpStep {
  readonly url: string;
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

export interface DrivenLaunch {
  readonly jar: CookieJar;
  readonly login: HttpStep;
  /** The tool's authorization request (state, nonce, redirect_uri… in its query). */
  readonly authRequest: URL | undefined;
  readonly auth: HttpStep | undefined;
  /** The platform's form carrying id_token and state. */
  readonly idTokenForm: HtmlForm | undefined;
  /** Every response after posting the id_token, redirects included; the last is the landing page. */
  readonly launch: HttpStep[];
  readonly final: HttpStep | undefined;
}

async function step(
  jar: CookieJar,
  url: string,
  init: { method: 'GET' | 'POST'; form?: Record<string, string>; userAgent: string },
): Promise<HttpStep> {
  const headers: Record<string, string> = { 'User-Agent': init.userAgent, Accept: 'text/html' };
  const cookie = jar.header(url);
  if (cookie !== undefined) headers['Cookie'] = cookie;
  let body: string | undefined;
  if (init.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const response = await fetch(url, {
    method: init.method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
  });
  jar.store(url, response);
  const location = response.headers.get('location') ?? undefined;
  return {
    url,
    status: response.status,
    location: location === undefined ? undefined : new URL(location, url).toString(),
    body: await response.text(),
  };
}

async function follow(
  jar: CookieJar,
  first: HttpStep,
  max: number,
  userAgent: string,
): Promise<HttpStep[]> {
  const steps = [first];
  let current = first;
  for (
    let i = 0;
    i < max && current.status >= 300 && current.status < 400 && current.location !== undefined;
    i++
  ) {
    current = await step(jar, current.location, { method: 'GET', userAgent });
    steps.push(current);
  }
  return steps;
}

export async function driveLaunch(options: DriveLaunchOptions): Promise<DrivenLaunch> {
  const jar = options.jar ?? new CookieJar();
  const userAgent = options.userAgent ?? 'Mozilla/5.0 (Pathwise test browser)';
  const max = options.maxRedirects ?? 5;
  const { initiation } = options;
  const login =
    options.loginMethod === 'get'
      ? await step(jar, initiation.getUrl, { method: 'GET', userAgent })
      : await step(jar, initiation.url, {
          method: 'POST',
          form: { ...initiation.params },
          userAgent,
        });
  let authRequest: URL | undefined;
  if (login.status >= 300 && login.status < 400 && login.location !== undefined) {
    authRequest = new URL(login.location);
  } else {
    // Some tools answer with an auto-submitting form to the platform instead of a redirect.
    const form = readForm(login.body);
    if (form !== undefined && form.action !== '') {
      authRequest = new URL(form.action, login.url);
      for (const [k, v] of Object.entries(form.fields)) authRequest.searchParams.set(k, v);
    }
  }
  if (authRequest === undefined) {
    return {
      jar,
      login,
      authRequest,
      auth: undefined,
      idTokenForm: undefined,
      launch: [],
      final: undefined,
    };
  }
  const auth = await step(jar, authRequest.toString(), { method: 'GET', userAgent });
  const idTokenForm = auth.status === 200 ? readForm(auth.body) : undefined;
  if (idTokenForm === undefined) {
    return { jar, login, authRequest, auth, idTokenForm, launch: [], final: undefined };
  }
  const fields = options.alterIdTokenForm
    ? options.alterIdTokenForm({ ...idTokenForm.fields })
    : idTokenForm.fields;
  const posted = await step(jar, new URL(idTokenForm.action, auth.url).toString(), {
    method: 'POST',
    form: fields,
    userAgent,
  });
  const launch = await follow(jar, posted, max, userAgent);
  for (const landed of launch) rememberBrowser(landed.url, jar);
  return { jar, login, authRequest, auth, idTokenForm, launch, final: launch[launch.length - 1] };
}

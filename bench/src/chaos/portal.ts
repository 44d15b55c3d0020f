/*
 * The portal's REST API as a signed-in user calls it: the guest user of the
 * portal's config (user:default/guest, owner of the chaos apps), whose
 * token comes from the guest provider like the browser's.
 */

export interface Answer {
  /** 0 when no answer came (the backend is down or died mid-request). */
  status: number;
  body?: any;
}

export class Portal {
  private token?: string;

  constructor(private readonly baseUrl: string) {}

  private async login(): Promise<boolean> {
    try {
      const res = await fetch(
        `${this.baseUrl}/api/auth/guest/refresh?env=development`,
        {
          headers: { 'x-requested-with': 'XMLHttpRequest' },
          signal: AbortSignal.timeout(10_000),
        },
      );
      if (!res.ok) return false;
      const body = (await res.json()) as {
        backstageIdentity: { token: string };
      };
      this.token = body.backstageIdentity.token;
      return true;
    } catch {
      return false;
    }
  }

  async call(method: string, path: string, body?: unknown): Promise<Answer> {
    if (!this.token && !(await this.login())) return { status: 0 };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const res = await fetch(`${this.baseUrl}/api/kli8nt${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        if (res.status === 401 && attempt === 0 && (await this.login())) {
          continue;
        }
        return {
          status: res.status,
          body: text ? JSON.parse(text) : undefined,
        };
      } catch {
        return { status: 0 };
      }
    }
    return { status: 401 };
  }

  deploy(app: string) {
    return this.call('POST', '/deployments', { entityRef: entityRef(app) });
  }

  cancel(deploymentId: string) {
    return this.call('POST', `/deployments/${deploymentId}/cancel`);
  }

  deleteApp(app: string) {
    return this.call(
      'DELETE',
      `/apps?entityRef=${encodeURIComponent(entityRef(app))}`,
    );
  }

  saveSettings(app: string, value: string) {
    return this.call(
      'PUT',
      `/apps/settings?entityRef=${encodeURIComponent(entityRef(app))}`,
      { env: { CHAOS_SETTING: value } },
    );
  }
}

export function entityRef(app: string): string {
  return `component:default/${app}`;
}

import {
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';

/**
 * Kli8nt acts for users only, including a plugin that calls on behalf of a
 * user (the scaffolder's on-behalf-of token is a user principal with an
 * actor). Service principals are refused: the permission framework allows
 * them everything, so they would bypass every owner check.
 */
export function assertUserPrincipal(
  auth: Pick<AuthService, 'isPrincipal'>,
  credentials: BackstageCredentials,
): asserts credentials is BackstageCredentials<BackstageUserPrincipal> {
  if (!auth.isPrincipal(credentials, 'user')) {
    throw new NotAllowedError(
      'Only users may use Kli8nt; a plugin calls on behalf of the user (auth.getPluginRequestToken with onBehalfOf)',
    );
  }
}

/**
 * The app an entity is bound to, for reading its logs: a name held by
 * another entity is refused, as it is for deploys, instead of handing out
 * that app's history.
 */
export async function boundAppName(
  appOf: () => Promise<string>,
): Promise<string> {
  try {
    return await appOf();
  } catch (error) {
    if ((error as Error)?.name === 'ConflictError') {
      throw new NotAllowedError((error as Error).message);
    }
    throw error;
  }
}

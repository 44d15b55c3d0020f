export { kli8ntPermissionPolicyModule as default } from './permissions/module';
export { kli8ntPermissionPolicyModule } from './permissions/module';
export {
  Kli8ntPermissionPolicy,
  kli8ntPolicyDecision,
} from './permissions/policy';
export type { Kli8ntPermissionPolicyOptions } from './permissions/policy';

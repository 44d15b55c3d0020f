import { describeSchemas } from './__testUtils__/schemaTables';
import {
  appNameSchema,
  clusterNameSchema,
  dnsNameSchema,
  entityRefSchema,
} from './names';

describeSchemas([
  {
    name: 'appNameSchema',
    schema: appNameSchema,
    valid: ['a', 'shop', 'my-app-2', 'a'.repeat(63), 'a--b'],
    invalid: ['A', '1app', '-a', 'a-', 'a_b', 'a.b', 'a'.repeat(64), 'Shop'],
    hostile: true,
  },
  {
    name: 'clusterNameSchema',
    schema: clusterNameSchema,
    valid: ['local', 'prod-eu-1', '1', 'a'.repeat(63)],
    invalid: ['Prod', 'a.b', 'a_b', '-a', 'a-', 'a'.repeat(64), 'build.x'],
    hostile: true,
  },
  {
    name: 'dnsNameSchema',
    schema: dnsNameSchema,
    valid: [
      'example.com',
      'apps.example.com',
      'localhost',
      'a-b.c1.io',
      `${'a'.repeat(63)}.com`,
    ],
    invalid: [
      'Example.com',
      'example.com.',
      '*.example.com',
      '-a.com',
      'a-.com',
      'a..b',
      `${'a'.repeat(64)}.com`,
      `${'a.'.repeat(127)}a`,
      '.com',
      'a_b.com',
    ],
    hostile: true,
  },
  {
    name: 'entityRefSchema',
    schema: entityRefSchema,
    valid: [
      'component:default/shop',
      'Component:default/My_Service.v2',
      'api:team-a/x',
      'component:default/a',
    ],
    invalid: [
      'shop',
      'default/shop',
      'component:shop',
      'component:/shop',
      'component:default/',
      ':default/shop',
      'comp-onent:default/shop',
      'component:def_ault/shop',
      'component:default/a__b',
      'component:default/-a',
      'component:default/a/b',
      `component:default/${'a'.repeat(64)}`,
    ],
    hostile: true,
  },
]);

import { describeSchemas } from './__testUtils__/schemaTables';
import { imageDigestSchema, imageReferenceSchema } from './images';

describeSchemas([
  {
    name: 'imageDigestSchema',
    schema: imageDigestSchema,
    valid: [`sha256:${'0'.repeat(64)}`, `sha256:${'af'.repeat(32)}`],
    invalid: [
      `sha256:${'A'.repeat(64)}`,
      `sha512:${'a'.repeat(64)}`,
      `sha256:${'a'.repeat(63)}`,
      `sha256:${'a'.repeat(65)}`,
      'a'.repeat(64),
      `sha256:${'a'.repeat(64)}\n`,
    ],
    hostile: true,
  },
  {
    name: 'imageReferenceSchema',
    schema: imageReferenceSchema,
    valid: [
      'nginx',
      'nginx:1.25',
      'library/nginx:latest',
      'registry.example.com/team/app:v1.2.3',
      'localhost:5000/app',
      `registry.example.com:5000/kli8nt/shop@sha256:${'a'.repeat(64)}`,
      `r.io/a/b/c:tag@sha256:${'b'.repeat(64)}`,
      '127.0.0.1:5000/a__b/c-d.e',
      '[::1]:5000/app:1',
    ],
    invalid: [
      'Nginx',
      'app:',
      'app@sha256:abc',
      'app:-tag',
      'reg/app:tag with space',
      'reg//app',
      '/app',
      'app/',
      `app:${'t'.repeat(129)}`,
      'https://registry/app',
    ],
    hostile: true,
  },
]);

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDirectoryTree } from './readDirectoryTree';

describe('readDirectoryTree', () => {
  let dir: string;
  let outside: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kli8nt-tree-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'kli8nt-outside-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const write = (rel: string, content = '') => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  };

  it('lists files with / paths and skips dependency and VCS directories', () => {
    write('package.json', '{}');
    write('src/a/b.js', 'b');
    write('node_modules/x/package.json');
    write('.git/HEAD');
    write('sub/node_modules/y.js');
    const tree = readDirectoryTree(dir);
    expect(tree.list()).toEqual(['package.json', 'src/a/b.js']);
    expect(tree.read('src/a/b.js')).toBe('b');
    expect(tree.read('node_modules/x/package.json')).toBeUndefined();
    expect(tree.read('../etc/passwd')).toBeUndefined();
    expect(tree.truncated).toBe(false);
  });

  it('ignores symbolic links, so nothing outside is listed or read', () => {
    fs.writeFileSync(path.join(outside, 'secret'), 'secret');
    fs.mkdirSync(path.join(outside, 'd'));
    fs.writeFileSync(path.join(outside, 'd', 'f'), 'f');
    fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'Dockerfile'));
    fs.symlinkSync(path.join(outside, 'd'), path.join(dir, 'linked'));
    const tree = readDirectoryTree(dir);
    expect(tree.list()).toEqual([]);
    expect(tree.read('Dockerfile')).toBeUndefined();
  });

  it('caps the number of files, the depth and the size of reads', () => {
    for (let i = 0; i < 20; i++) write(`f${String(i).padStart(2, '0')}`, 'x');
    write('a/b/c/d/deep.txt');
    write('big', 'y'.repeat(2000));
    const tree = readDirectoryTree(dir, { maxFiles: 5 });
    expect(tree.list()).toHaveLength(5);
    expect(tree.truncated).toBe(true);
    const shallow = readDirectoryTree(dir, { maxDepth: 2, maxFileBytes: 1000 });
    expect(shallow.list()).not.toContain('a/b/c/d/deep.txt');
    expect(shallow.truncated).toBe(true);
    expect(shallow.read('big')).toBeUndefined();
    expect(shallow.read('f00')).toBe('x');
  });

  it('fails when the directory does not exist', () => {
    expect(() => readDirectoryTree(path.join(dir, 'missing'))).toThrow(
      /ENOENT/,
    );
  });
});

/**
 * Every image a generated Dockerfile may name in FROM, in one place: the
 * test environment builds local look-alike images under exactly these
 * names, and upgrading a runtime is a one-line change here.
 *
 * Tags pin at least the minor version (or the Debian release) so a rebuild
 * of the same commit gets the same toolchain.
 *
 * @public
 */
export const BASE_IMAGES = {
  /** Node build stages: the full image has python3/make/g++ for node-gyp. */
  nodeBuild: 'node:22.23-bookworm',
  nodeRuntime: 'node:22.23-bookworm-slim',
  bun: 'oven/bun:1.2-slim',
  /** Python build stages: compilers for packages without wheels. */
  pythonBuild: 'python:3.12-bookworm',
  pythonRuntime: 'python:3.12-slim-bookworm',
  goBuild: 'golang:1.24-bookworm',
  rustBuild: 'rust:1.86-bookworm',
  /** Runtime for compiled binaries (Go, Rust). */
  debianRuntime: 'debian:bookworm-slim',
  mavenBuild: 'maven:3.9-eclipse-temurin-21',
  gradleBuild: 'gradle:8.14-jdk21',
  javaRuntime: 'eclipse-temurin:21-jre',
  rubyBuild: 'ruby:3.3-bookworm',
  rubyRuntime: 'ruby:3.3-slim-bookworm',
  composerBuild: 'composer:2.8',
  phpRuntime: 'php:8.3-cli-bookworm',
  dotnetBuild: 'mcr.microsoft.com/dotnet/sdk:8.0',
  dotnetRuntime: 'mcr.microsoft.com/dotnet/aspnet:8.0',
  /** Static sites and SPA builds; Caddy reads `{$PORT}` from its config. */
  staticServer: 'caddy:2.10-alpine',
} as const;

/** @public */
export type BaseImageKey = keyof typeof BASE_IMAGES;

/** @public */
export type BaseImage = (typeof BASE_IMAGES)[BaseImageKey];

/**
 * Versions of build tools installed (pip, npm) inside build stages, pinned for
 * the same reason as the images.
 *
 * @public
 */
export const TOOL_VERSIONS = {
  poetry: '2.1.3',
  uv: '0.7.13',
  pipenv: '2025.0.3',
  /** The WSGI server for Flask and Django apps that do not bring one. */
  gunicorn: '23.0.0',
  /** Serves TanStack Start's fetch handler when the app has no start script. */
  srvx: '1.0.8',
} as const;

/** The unprivileged uid:gid generated images run as (unless the image has its own user). */
export const RUNTIME_USER = '10001:10001';

/** The `node` user of the node images and the `bun` user of Bun's, by uid:gid. */
export const NODE_IMAGE_USER = '1000:1000';

/** Default container port; `PORT` is set to it and it is exposed. */
export const DEFAULT_PORT = 8080;

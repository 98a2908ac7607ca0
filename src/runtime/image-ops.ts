/**
 * Pulling and building images. The engine reports a failure either as an HTTP error before the
 * stream starts or as an `error` message inside the stream; both end up as one DevenvError.
 */
import { access, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { DevenvError } from '../errors.js';
import { credentialsFor, registryAuthHeader, registryOf, type RegistryCredentials } from './registry-auth.js';
import { packBuildContext } from './build-context.js';
import type { EngineClient } from './engine-client.js';
import { BuildOutput, type BuildMessage } from './build-output.js';
import { engineMessage, engineUnavailable, interrupted, isUnreachable, toDevenvError } from './engine-errors.js';
import { jsonMessages } from './json-stream.js';
import { PullProgressTracker, type PullMessage } from './pull-progress.js';
import type { BuildRequest, PullProgress } from './runtime.js';

/** A registry's answer when it wants (other) credentials. */
const LOGIN_WANTED = /unauthorized|authentication required|access denied|denied:|no basic auth credentials/i;

const PULL_HINT = 'Check the name and tag, your network and registry login, or point `image:` in devenv.yml at another image.';

/** "redis" → ["redis", "latest"]; "r.io:5000/a/b:1" → ["r.io:5000/a/b", "1"]; a digest stays in the name. */
export function splitReference(ref: string): { name: string; tag?: string } {
  if (ref.includes('@')) return { name: ref };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { name: ref, tag: 'latest' };
}

/** Pushes a tag; each status line ("Pushed", "latest: digest: …") goes to onLine. */
export async function pushImage(client: EngineClient, address: string, ref: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const what = `pushing image "${ref}"`;
  const registry = registryOf(ref);
  const credentials = await credentialsFor(ref);
  const failed = (reason: string, cause?: unknown) => {
    const denied = LOGIN_WANTED.test(reason);
    return new DevenvError('IMAGE_PULL_FAILED', `could not push image "${ref}": ${reason}`, {
      hint: denied ? `The registry wants credentials for ${registry}: \`docker login ${registry}\` stores them where devenv reads them.` : `Check that ${registry} is reachable from the engine and accepts pushes (a pull-through mirror does not).`,
      cause,
    });
  };
  if (signal?.aborted) throw interrupted(signal, what);
  let error: string | undefined;
  try {
    const { name, tag } = splitReference(ref);
    // The engine wants the header even for an anonymous push.
    const auth = registryAuthHeader(credentials ?? { serveraddress: registry });
    const stream = await client.stream('POST', `/images/${encodeURIComponent(name)}/push`, { query: { tag }, headers: { 'X-Registry-Auth': auth }, signal });
    for await (const m of jsonMessages<PullMessage>(stream, signal)) {
      if (m.error !== undefined || m.errorDetail !== undefined) error = (m.errorDetail?.message ?? m.error ?? '').trim();
      else if (m.status && !m.progressDetail?.total) onLine(`${m.id ? `${m.id}: ` : ''}${m.status}`);
    }
  } catch (e) {
    if (signal?.aborted) throw interrupted(signal, what);
    if (isUnreachable(e)) throw engineUnavailable(address, e);
    throw failed(engineMessage(e), e);
  }
  if (error !== undefined) throw failed(error);
}

export async function pullImage(
  client: EngineClient,
  address: string,
  ref: string,
  onProgress: (progress: PullProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  const what = `pulling image "${ref}"`;
  const credentials = await credentialsFor(ref);
  const registry = registryOf(ref);
  const failed = (reason: string, cause?: unknown) => {
    const denied = LOGIN_WANTED.test(reason);
    const login = `docker login${registry.startsWith('https://index.docker.io') ? '' : ` ${registry}`}`;
    return new DevenvError('IMAGE_PULL_FAILED', `could not pull image "${ref}": ${reason}`, {
      hint: denied
        ? (credentials ? `The registry refused the credentials devenv found for ${registry} (docker config): log in again (\`${login}\`).` : `The registry wants credentials and devenv found none for ${registry}: \`${login}\` stores them where devenv reads them.`)
        : PULL_HINT,
      cause,
    });
  };
  const tracker = new PullProgressTracker(ref, onProgress);
  if (signal?.aborted) throw interrupted(signal, what);
  try {
    // Without a tag the engine would pull every tag of the repository.
    const { name, tag } = splitReference(ref);
    const headers = credentials ? { 'X-Registry-Auth': registryAuthHeader(credentials) } : undefined;
    const stream = await client.stream('POST', '/images/create', { query: { fromImage: name, tag }, signal, ...(headers ? { headers } : {}) });
    for await (const message of jsonMessages<PullMessage>(stream, signal)) tracker.push(message);
  } catch (error) {
    if (signal?.aborted) throw interrupted(signal, what);
    if (isUnreachable(error)) throw engineUnavailable(address, error);
    throw failed(engineMessage(error), error);
  }
  if (tracker.error !== undefined) throw failed(tracker.error);
  tracker.finish();
}

export async function buildImage(
  client: EngineClient,
  address: string,
  request: BuildRequest,
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<string> {
  const what = `building ${request.tag}`;
  const dockerfilePath = join(request.context, request.dockerfile);
  const failed = (message: string, details: string[], cause?: unknown) =>
    new DevenvError('IMAGE_BUILD_FAILED', message, {
      hint: `Fix the Dockerfile (${dockerfilePath}) or the build context; run with --debug for the full output.`,
      details,
      cause,
    });
  if (signal?.aborted) throw interrupted(signal, what);

  try {
    await access(dockerfilePath);
  } catch (error) {
    throw failed(`${what} failed: there is no Dockerfile at ${dockerfilePath}`, [], error);
  }
  let context: Readable;
  try {
    context = await packBuildContext(request.context, request.dockerfile);
  } catch (error) {
    throw failed(`${what} failed: cannot read the build context ${request.context}: ${(error as Error).message}`, [], error);
  }

  // Base images from registries that want a login: the classic builder takes the credentials in
  // X-Registry-Config; BuildKit asks its client session, which devenv does not open, so those
  // images are pulled first (with the credentials), and BuildKit finds them in the engine.
  const { header: registryConfig, refs: private_ } = await buildCredentials(dockerfilePath);
  for (const ref of private_) {
    const present = await client.json<{ Id: string }>('GET', `/images/${encodeURIComponent(ref)}/json`).then(() => true, () => false);
    if (!present) await pullImage(client, address, ref, () => undefined, signal);
  }
  const output = new BuildOutput(onLine);
  try {
    const stream = await client.stream('POST', '/build', {
      query: {
        t: request.tag,
        dockerfile: request.dockerfile.split(sep).join('/'),
        labels: JSON.stringify(request.labels),
        buildargs: JSON.stringify(request.args),
        target: request.target,
        version: request.buildkit ? '2' : '1',
        rm: true,
        forcerm: true,
      },
      body: context,
      headers: { 'Content-Type': 'application/x-tar', ...(registryConfig ? { 'X-Registry-Config': registryConfig } : {}) },
      signal,
    });
    for await (const message of jsonMessages<BuildMessage>(stream, signal)) output.push(message);
    output.finish();
  } catch (error) {
    context.destroy();
    if (signal?.aborted) throw interrupted(signal, what);
    if (isUnreachable(error)) throw engineUnavailable(address, error);
    throw failed(`${what} failed: ${engineMessage(error)}`, [], error);
  }

  const failure = output.failure();
  if (failure) {
    const at = failure.step ? ` at step "${failure.step}"` : '';
    throw failed(`${what} failed${at}: ${failure.error}`, failure.details);
  }
  // Classic builds name the image in the stream; for BuildKit the tag is the reliable answer.
  if (!request.buildkit && output.imageId) return output.imageId;
  try {
    return (await client.json<{ Id: string }>('GET', `/images/${encodeURIComponent(request.tag)}/json`)).Id;
  } catch (error) {
    throw toDevenvError(error, address, `inspecting the image just built as ${request.tag}`);
  }
}

/** Credentials for the registries of the Dockerfile's FROM images: the X-Registry-Config header, and the images that need them. */
async function buildCredentials(dockerfile: string): Promise<{ header?: string; refs: string[] }> {
  let text: string;
  try {
    text = await readFile(dockerfile, 'utf8');
  } catch {
    return { refs: [] };
  }
  const stages = new Set([...text.matchAll(/^\s*FROM\s+.*\s+AS\s+(\S+)/gim)].map((m) => m[1]!.toLowerCase()));
  const refs = [...text.matchAll(/^\s*FROM\s+(?:--\S+\s+)*(\S+)/gim)].map((m) => m[1]!).filter((r) => !r.includes('$') && r !== 'scratch' && !stages.has(r.toLowerCase()));
  const config: Record<string, RegistryCredentials> = {};
  const needing: string[] = [];
  for (const ref of refs) {
    const found = await credentialsFor(ref).catch(() => undefined);
    if (!found) continue;
    config[found.serveraddress] = found;
    needing.push(ref);
  }
  return { ...(needing.length > 0 ? { header: Buffer.from(JSON.stringify(config), 'utf8').toString('base64url') } : {}), refs: needing };
}

import { interpolate, renderText, type Vars } from './interpolate.js';
import type { Path, Problem } from './problems.js';
import type { Template } from './project.js';

/** env templates by service name (or "migrations/<index>" for a host step), then variable name. */
export type EnvTemplates = Map<string, Map<string, Template>>;

export interface InterpolatedDocument {
  value: unknown;
  envTemplates: EnvTemplates;
  /** `image:` values that hold a reference (`${web.image}`), by service name. */
  imageTemplates: Map<string, Template>;
  /** `postgres.password` values as written, when they use variables (`${DB_PASSWORD:-}`), by service name. */
  passwordSources: Map<string, string>;
  problems: Problem[];
}

/** `services.<name>.env.<KEY>` or `migrations.<i>.env.<KEY>`: where references to connection values may appear. */
function isEnvValue(path: Path): boolean {
  return path.length === 4 && (path[0] === 'services' || path[0] === 'migrations') && path[2] === 'env';
}

/** `services.<name>.image`: where `${web.image}` names the image another service builds. */
function isImageValue(path: Path): boolean {
  return path.length === 3 && path[0] === 'services' && path[2] === 'image';
}

/**
 * Interpolates every string scalar of the document. Env values keep their references in
 * `envTemplates`; in the returned value they are rendered back as `${svc.field}` text so the
 * schema sees a plain string.
 */
export function interpolateDocument(root: unknown, vars: Vars): InterpolatedDocument {
  const envTemplates: EnvTemplates = new Map();
  const imageTemplates = new Map<string, Template>();
  const passwordSources = new Map<string, string>();
  const problems: Problem[] = [];
  const walk = (value: unknown, path: Path): unknown => {
    if (typeof value === 'string') {
      if (path.length === 4 && path[0] === 'services' && path[2] === 'postgres' && path[3] === 'password' && value.includes('$')) passwordSources.set(String(path[1]), value);
      const envValue = isEnvValue(path);
      const imageValue = isImageValue(path);
      const result = interpolate(value, vars, envValue || imageValue);
      if (!result.ok) {
        problems.push({ path, message: result.error });
        return value;
      }
      if (imageValue && result.template.some((part) => typeof part !== 'string')) {
        const bad = result.template.find((part) => typeof part !== 'string' && part.field !== 'image');
        if (bad && typeof bad !== 'string') {
          problems.push({ path, message: `the reference \${${bad.service}.${bad.field}} is only allowed in env values; in image, \${service.image} names another service's built image` });
          return value;
        }
        imageTemplates.set(String(path[1]), result.template);
      }
      if (envValue) {
        const service = path[0] === 'migrations' ? `migrations/${path[1]}` : String(path[1]);
        const templates = envTemplates.get(service) ?? new Map<string, Template>();
        templates.set(String(path[3]), result.template);
        envTemplates.set(service, templates);
      }
      return renderText(result.template);
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    // Only plain maps: a YAML !!set, !!omap or !!binary stays as it is, for the schema to reject.
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      // fromEntries defines own properties, so a "__proto__" key stays a plain key. A top-level `x-`
      // block is only a source of anchors (ignored itself): its values are interpolated where an alias
      // puts them, so `${db.url}` there is checked as an env value when `env: *common` uses it.
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, path.length === 0 && key.startsWith('x-') ? item : walk(item, [...path, key])]));
    }
    return value;
  };
  return { value: walk(root, []), envTemplates, imageTemplates, passwordSources, problems };
}

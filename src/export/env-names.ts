/** What the Compose and Kubernetes exports both need to know about an env value. */
import type { ServiceRef, Template } from '../config/project.js';

/** The references of a template that carry a password: ${db.url} and ${db.password}. */
export function passwordRefs(template: Template): ServiceRef[] {
  return template.filter((p): p is ServiceRef => typeof p !== 'string' && (p.field === 'url' || p.field === 'password'));
}

/** The name a secret value goes by outside the file: APP_DATABASE_URL for (app, DATABASE_URL). */
export function secretName(owner: string, key: string): string {
  return `${owner}_${key}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** Resource names. Names are for people; devenv finds its resources by label (see LABELS). */
import { LABELS, type ContainerRole } from '../runtime/runtime.js';

export const networkName = (project: string) => `${project}-net`;
export const containerName = (project: string, service: string) => `${project}-${service}`;
export const dataVolumeName = (project: string, service: string) => `${project}-${service}-data`;
export const migrationContainerName = (project: string, migration: string) => `${project}-migrate-${migration}`;

export function projectLabels(project: string): Record<string, string> {
  return { [LABELS.project]: project };
}

export function serviceLabels(project: string, service: string, role: ContainerRole): Record<string, string> {
  return { [LABELS.project]: project, [LABELS.service]: service, [LABELS.role]: role };
}

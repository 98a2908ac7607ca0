/** Resource names. Names are for people; devenv finds its resources by label (see labels.ts). */

export const networkName = (project: string) => `${project}-net`;
export const containerName = (project: string, service: string) => `${project}-${service}`;
export const dataVolumeName = (project: string, service: string) => `${project}-${service}-data`;
export const migrationContainerName = (project: string, migration: string) => `${project}-migrate-${migration}`;

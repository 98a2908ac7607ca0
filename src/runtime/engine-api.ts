/** The parts of the Engine API's JSON that devenv reads and writes (API 1.41 and later). */

export interface ApiPort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** An entry of GET /containers/json. */
export interface ApiContainerListItem {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  State: string;
  Status: string;
  Labels: Record<string, string> | null;
  Ports: ApiPort[] | null;
  Created: number;
}

/** GET /containers/{id}/json. */
export interface ApiContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  Created: string;
  RestartCount: number;
  State: {
    Status: string;
    ExitCode: number;
    OOMKilled: boolean;
    Error?: string;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string };
  };
  Config: { Image: string; Labels: Record<string, string> | null; Env: string[] | null; Tty?: boolean; OpenStdin?: boolean };
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> | null };
  HostConfig?: { RestartPolicy?: { Name?: string; MaximumRetryCount?: number } };
}

/** POST /containers/create. */
export interface ApiContainerCreate {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  StopTimeout?: number;
  Env: string[];
  Labels: Record<string, string>;
  ExposedPorts: Record<string, object>;
  Tty: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  HostConfig: {
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
    Mounts: { Type: string; Source: string; Target: string; ReadOnly: boolean }[];
    RestartPolicy: { Name: string; MaximumRetryCount: number };
    Init: boolean;
    NetworkMode?: string;
    AutoRemove?: boolean;
  };
  NetworkingConfig?: { EndpointsConfig: Record<string, { Aliases: string[] }> };
}

export interface ApiVersion {
  Version: string;
  ApiVersion: string;
  Os: string;
}

export interface ApiNetwork {
  Id: string;
  Name: string;
  Labels: Record<string, string> | null;
}

export interface ApiVolume {
  Name: string;
  Labels: Record<string, string> | null;
  CreatedAt?: string;
}

export interface ApiImage {
  Id: string;
  RepoTags: string[] | null;
  Labels: Record<string, string> | null;
}

export interface ApiExecInspect {
  Running: boolean;
  ExitCode: number | null;
}

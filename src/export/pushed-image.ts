/** The name a built image goes by in a registry: `devenv push --registry R` and the swarm export agree on it. */
export function pushedImage(image: string, registry: string | undefined): string {
  if (!registry) return image;
  return `${registry.replace(/\/+$/, '')}/${image.split('/').pop()!}`;
}

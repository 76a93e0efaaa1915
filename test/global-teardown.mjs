/** Stops the private redis-server the global setup may have started. */
export default async function globalTeardown() {
  await globalThis.__schnittstelleTestRedis?.stop();
}

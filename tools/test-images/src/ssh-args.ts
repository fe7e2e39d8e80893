/**
 * The OpenSSH client's arguments for logging into a test VM's sshd as root through a forwarded port
 * on 127.0.0.1: the given key, no host-key checks (every VM has a fresh host key), a bounded connect.
 */

/** `ssh` arguments up to the destination; append the remote command. */
export function sshToGuestArgs(key: string, hostPort: number): string[] {
  return [
    "-i",
    key,
    "-p",
    String(hostPort),
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "ConnectTimeout=20",
    "-o",
    "LogLevel=ERROR",
    "root@127.0.0.1",
  ];
}

/** The VM badge's text. Pure, tested in test/page-vm-label.test.ts. */
import type { VmState } from "../../src/protocol.js";

/** "no VM", "booting #3 (kvm)", "running #3 (tcg)", "stopped #3 (poweroff)". */
export function describeVm(vm: VmState): string {
  switch (vm.state) {
    case "none":
      return "no VM";
    case "booting":
      return `booting #${vm.buildId} (${vm.accel})`;
    case "running":
      return `running #${vm.buildId} (${vm.accel})`;
    case "stopped":
      return `stopped #${vm.buildId} (${vm.end.reason})`;
  }
  return "";
}

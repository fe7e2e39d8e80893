/**
 * @ocikit/test-images: images that play LinuxKit's roles, built reproducibly from Debian packages
 * into an OCI image layout, and a qemu boot harness. Private to the repository; tests and the demo
 * import it from source.
 *
 * - {@link buildTestImages}: kernel (Debian's vmlinuz and a kernel.tar of the modules tests need),
 *   init (busybox, a LinuxKit-like init that runs the container bundles), runc, and service images
 *   (hello, poweroff, sysctl, dhcpcd, sshd) with `org.mobyproject.config` labels; cached.
 * - {@link pushTestImages}: the same images in a registry (skopeo).
 * - {@link bootKernel}, {@link startVm}: boot a kernel and initrd under qemu (TCG unless KVM works),
 *   watch the serial console for markers, always clean up; a thin layer over @ocikit/hypervisor.
 * - {@link unpackLayoutImage}, {@link readLayoutImageConfig}, {@link packInitrd}: assemble a root
 *   filesystem by hand with GNU tar and cpio, without ocikit's pipeline.
 *
 * @example
 * ```ts
 * import { bootKernel, buildTestImages } from "@ocikit/test-images";
 *
 * const { layoutDir, refs } = await buildTestImages();
 * // build an initrd from `oci:${layoutDir}:${refs.init}` and friends, then:
 * const boot = await bootKernel({ kernel, initrd, timeoutMs: 60_000, markers: [/ocikit-init: welcome/] });
 * console.log(boot.poweredOff, boot.markersMissing);
 * ```
 */

// For `forwardPorts` (`{ hostPort: await findFreePort(), guestPort: 22 }`); it lives in test-registry.
export { findFreePort } from "@ocikit/test-registry";
export { TestImagesError, type TestImagesErrorCode } from "./errors.js";
export {
  IMAGE_DEFINITIONS,
  type ImageDefinition,
  MOBY_CONFIG_LABEL,
  SSHD_LIBRARY_PACKAGES,
  TEST_IMAGE_NAMES,
  TEST_IMAGE_ROLES,
  type TestImageRole,
} from "./image-definitions.js";
export { writeTestImagesArchive } from "./images-archive.js";
export { KERNEL_MODULES } from "./kernel-image.js";
export { packInitrd, readLayoutImageConfig, unpackLayoutImage } from "./manual-rootfs.js";
export { type PushTestImagesOptions, pushTestImages } from "./push-test-images.js";
export {
  type Accelerator,
  BOOT_DEFAULTS,
  type BootEnding,
  type BootOptions,
  type BootResult,
  bootKernel,
  type MarkerHit,
  type PortForward,
  type RunningVm,
  startVm,
} from "./qemu-boot.js";
export { sshToGuestArgs } from "./ssh-args.js";
export {
  type BuildTestImagesOptions,
  buildTestImages,
  TEST_IMAGES_DEFAULTS,
  type TestImages,
} from "./test-images.js";

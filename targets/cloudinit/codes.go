package cloudinit

// Stable diagnostic codes of the cloud-init target. A code never changes
// meaning; new problems get new codes. Errors are CI0xx, warnings CI1xx.
const (
	// CI002 (a build-only service, refused) is retired: it is the warning CI106 now.
	CodeTooBig  = "CI001" // the user-data exceeds OpenStack's 49,149-byte limit
	CodeOptions = "CI003" // an invalid option or project name

	CodeSecretEmbedded = "CI101" // a secret file written into the user-data
	CodeNotShipped     = "CI102" // a bind mount or project file that is not in the user-data
	CodeBuild          = "CI103" // build: is ignored, the image is pulled
	CodeSecretEnv      = "CI104" // a secret read from a variable the VM does not have
	CodeGPU            = "CI105" // a GPU reservation, on a VM without the NVIDIA container toolkit (--nvidia-toolkit)
	CodeBuilt          = "CI106" // build: and no image: the VM builds <project>-<service> from the shipped context, or pulls it
)

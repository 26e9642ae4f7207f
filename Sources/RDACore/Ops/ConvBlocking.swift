import Foundation

// Convolutions over blocks of images (`Conv2d.swift`, `ConvTranspose2d.swift` and their backward
// passes): how they cut a batch, and which kernel each direction uses.
//
// The batch is cut into blocks of a few images, sized so that a block's working set stays in the
// core's L2 cache; the blocks are dealt to the worker pool's threads (`forEachBlock`) and each
// thread works on its block while the data is hot, with single-threaded kernels. A block's
// images are first copied to a zero-padded channels-last (NHWC) layout, in which one kernel row of
// one output pixel (kw taps x C channels) is kw * C consecutive floats. Then (`DirectConv`):
//
// - the gather direction (the forward of `conv2d`, the input gradient of `convTranspose2d`) and
//   the weight gradients read those rows in place, with no im2col matrix and no packing of the
//   image (kernel rows of at least 4 floats);
// - the scatter direction (the input gradient of `conv2d`, the forward of `convTranspose2d`)
//   adds every pixel's products straight into the padded image (col2im fused into the product);
// - what remains (narrow kernel rows elsewhere) builds `colsT` [pixels, kh * kw * C] with
//   `im2colT` and uses a GEMM, and `col2imT`, its adjoint.
//
// Bias and activation are applied in the pass that moves a block's result into NCHW layout. A
// result that came out channels-last is handed on as `ChannelsLastImages` to the next
// convolution (which then skips its transpose), and its NCHW copy is only made if asked for;
// the gradient comes back channels-last the same way (`ChannelsLastGradient`). Weight and bias gradients are summed per lane and reduced in lane
// order; blocks and lanes depend on the batch and the shapes only, so results depend neither on
// timing nor on the thread count.
//
// The 4x4, stride-2, padding-1 convolutions of 16k channels (the spatial models') run in the
// Winograd domain instead (`WinogradConv`: 25 products a 4x4 tile where the direct sum takes 64),
// on the same padded blocks and with the same `DirectConv` kernels for their matrix products.
//
// RDA_DIRECT_CONV=0 turns the in-place kernels off (everything through im2col + GEMM), for
// comparisons; RDA_WINOGRAD=0 turns the Winograd products off (the direct ones run);
// RDA_CONV_BLOCK_FLOATS sets the block size.

/// Images per block, and which kernel.
enum ConvBlocking {
    /// Target size of a block's cols matrix in floats (RDA_CONV_BLOCK_FLOATS overrides; 2^16
    /// floats = 256 KiB, a quarter of the 1 MiB L2).
    static let targetFloats: Int = {
        if let text = ProcessInfo.processInfo.environment["RDA_CONV_BLOCK_FLOATS"], let v = Int(text), v > 0 { return v }
        return 1 << 16
    }()

    /// Whether convolutions with wide kernel rows use `DirectConv` (RDA_DIRECT_CONV=0: never).
    static let direct = ProcessInfo.processInfo.environment["RDA_DIRECT_CONV"] != "0"

    /// Whether 4x4 stride-2 convolutions may use `WinogradConv` (RDA_WINOGRAD=0: never; the
    /// command line refuses any value but 0 and 1, `ConvolutionSettings.environmentProblem`).
    static let winograd = ConvolutionSettings.winograd(ProcessInfo.processInfo.environment["RDA_WINOGRAD"]) ?? true

    /// Whether kernel rows of `run` floats (kw * C) are wide enough for `DirectConv`.
    static func useDirect(run: Int, minimum: Int = 16) -> Bool { direct && run >= minimum }

    /// Whether the scatter direction (col2im) can use `DirectConv.scatter` for kernel rows of
    /// `run` floats and `columns` = kh * kw * channels.
    static func useScatter(run: Int, columns: Int) -> Bool {
        useDirect(run: run, minimum: 4) && DirectConv.canScatter(segmentLength: run, columns: columns)
    }

    /// Images per block for `perImage` cols floats per image: at most `targetFloats` of them,
    /// and small enough that every lane of `forEachBlock` gets a block. Independent of the
    /// thread count, as the blocks decide the order of the weight-gradient sums.
    static func images(batch: Int, perImage: Int) -> Int {
        let balanced = (batch + fixedLanes - 1) / fixedLanes
        return Swift.max(1, Swift.min(balanced, targetFloats / Swift.max(perImage, 1)))
    }
}

/// The convolutions' settings from the environment, checked before a command starts.
public enum ConvolutionSettings {
    /// Whether 4x4 stride-2 convolutions of 16k channels run in the Winograd domain (RDA_WINOGRAD
    /// unset or 1): results differ from the direct products by rounding.
    public static var winograd: Bool { ConvBlocking.winograd }

    /// "winograd" or "direct": how this process runs them, as the training state and the
    /// benchmarks record it.
    public static var name: String { winograd ? "winograd" : "direct" }

    /// What an `RDA_WINOGRAD` value asks for: unset or "1" Winograd, "0" the direct products,
    /// anything else nil (refused by `environmentProblem`).
    static func winograd(_ value: String?) -> Bool? {
        switch value {
        case nil, "1"?: return true
        case "0"?: return false
        default: return nil
        }
    }

    /// A one-line error when `RDA_WINOGRAD` is set to anything but 0 or 1 (nil when valid or unset).
    public static func environmentProblem(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let value = environment["RDA_WINOGRAD"], winograd(value) == nil else { return nil }
        return "RDA_WINOGRAD must be 0 (direct convolutions) or 1 (Winograd where it applies), not '\(value)'"
    }
}

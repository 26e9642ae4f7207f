import RDAModel

/// Arithmetic of a model's forward pass, counted from the model's own architecture description
/// (`ArchitectureDescription`: the layers as built), so that no architecture is described twice.
public enum ModelFLOPs {
    /// Multiply-adds of one forward pass of one example through the encoder and decoder (biases
    /// and elementwise ops not counted), and those of the first layer with weights (whose input
    /// needs no gradient in training). Per layer: linear in x out; conv2d outH x outW x out x
    /// in x k^2; conv_transpose2d inH x inW x in x out x k^2 (each input pixel meets k^2 x out weights);
    /// residual: its body's.
    public static func forwardMACs(_ description: ArchitectureDescription) -> (total: Double, firstLayer: Double) {
        var macs: [Double] = []
        @discardableResult
        func walk(_ layers: [ArchitectureDescription.LayerDescription], from start: [Int]) -> [Int] {
            var shape = start
            for layer in layers {
                switch layer.kind {
                case "reshape", "reshape_channel_affine":
                    shape = layer.shape ?? shape
                case "flatten":
                    shape = [shape.reduce(1, *)]
                case "linear":
                    let (i, o) = (layer.inFeatures ?? 0, layer.outFeatures ?? 0)
                    macs.append(Double(i) * Double(o))
                    shape = [o]
                case "conv2d", "conv_transpose2d":
                    guard shape.count == 3 else { continue }
                    let (i, o) = (layer.inChannels ?? 0, layer.outChannels ?? 0)
                    let (k, s, p) = (layer.kernelSize ?? 1, layer.stride ?? 1, layer.padding ?? 0)
                    let (h, w) = (shape[1], shape[2])
                    let perPixel = Double(i) * Double(o) * Double(k * k)
                    if layer.kind == "conv2d" {
                        let (oh, ow) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1)
                        macs.append(Double(oh * ow) * perPixel)
                        shape = [o, oh, ow]
                    } else {
                        let op = layer.outputPadding ?? 0
                        macs.append(Double(h * w) * perPixel)
                        shape = [o, (h - 1) * s - 2 * p + k + op, (w - 1) * s - 2 * p + k + op]
                    }
                case "residual":
                    walk(layer.body ?? [], from: shape)   // keeps the shape
                default:
                    break   // activations keep the shape
                }
            }
            return shape
        }
        walk(description.encoder, from: description.exampleShape)
        walk(description.decoder, from: [description.latentDim])
        return (macs.reduce(0, +), macs.first ?? 0)
    }

    /// FLOPs per image as the PyTorch reference counts them: training 3 x forward (forward, input
    /// gradient, weight gradient) less the first layer's input gradient; evaluation 1 x forward.
    /// mlp: 5.73 M (training), conv: 22.1 M.
    public static func perImage(_ description: ArchitectureDescription, training: Bool) -> Double {
        let (macs, first) = forwardMACs(description)
        return training ? 6 * macs - 2 * first : 2 * macs
    }
}

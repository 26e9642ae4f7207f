import Foundation
import RDAReport

/// What codec users read about a coded image: bits per pixel and PSNR over 8-bit values.
public enum ImageQuality {
    /// The 8-bit value a float pixel in [0, 1] is written as in a PNG (`ImageGrid.byte`:
    /// round(255 v), clamped).
    @inline(__always) public static func byte(_ v: Float) -> UInt8 { ImageGrid.byte(v) }

    /// Sum over all values of (byte(a) - byte(b))^2, in 8-bit levels squared: the squared error
    /// of the PNG files the two images are written as. Shapes: any, equal counts.
    public static func squaredError8Bit(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var s = 0.0
        for i in 0..<count { let e = Double(Int(byte(a[i])) - Int(byte(b[i]))); s += e * e }
        return s
    }

    /// PSNR over 8-bit values, 10 log10(255^2 / MSE) with MSE the mean squared error in 8-bit
    /// levels over every value (every channel of every pixel: `psnr_rgb` for RGB images, as
    /// CompressAI reports it); infinity for identical images.
    public static func psnr8Bit(squaredError: Double, values: Int) -> Double {
        let mse = squaredError / Double(Swift.max(values, 1))
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// Bits per pixel: `bits` over `pixels` (H * W summed over images, whatever the channels).
    public static func bitsPerPixel(bits: Double, pixels: Int) -> Double { bits / Double(Swift.max(pixels, 1)) }
}

namespace Spp.Pruning.Data;

/// <summary>Order of color channels fed to the model. Decoded images and CIFAR records are RGB;
/// models trained with OpenCV-style loaders expect BGR.</summary>
public enum ChannelOrder { Rgb, Bgr }

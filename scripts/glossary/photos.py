"""Chinese for evidence photos: the Photo model's fields and the upload refusals."""

GLOSSARY = {
    # the Photo model
    "purpose": "用途",
    "file": "文件",
    "bytes": "字节数",
    "width": "宽度",
    "height": "高度",
    "original name": "原文件名",
    "uploaded": "上传时间",
    # refusals (core/photos.py)
    "The photo file is empty.": "照片文件为空。",
    "The photo is larger than %(limit)s.": "照片超过 %(limit)s 的大小上限。",
    "The file is not an image; send a JPEG, PNG or WebP photo.": "该文件不是图片，请上传 JPEG、PNG 或 WebP 格式的照片。",
    "The image is damaged or incomplete; take or send the photo again.": "图片已损坏或不完整，请重新拍摄或上传。",
    "The image has more than %(limit)s megapixels.": "图片像素数超过上限（%(limit)s 百万像素）。",
    "%(kind)s images are not accepted; send a JPEG, PNG or WebP photo.": "不接受 %(kind)s 格式的图片，请上传 JPEG、PNG 或 WebP 格式的照片。",
    "HEIC/HEIF photos are not supported; send a JPEG (on an iPhone: Settings → Camera → Formats → Most Compatible).": "不支持 HEIC/HEIF 格式的照片，请上传 JPEG 格式（iPhone 可在“设置 → 相机 → 格式”中选择“兼容性最佳”）。",
    "The file is named %(ext)s but holds a %(kind)s image; the name must match the content.": "文件扩展名为 %(ext)s，但内容是 %(kind)s 图片；扩展名必须与内容一致。",
    "The file is named %(ext)s but is %(kind)s, not an image.": "文件扩展名为 %(ext)s，但内容是%(kind)s，不是图片。",
    "a PDF document": "PDF 文档",
    "a web page (HTML)": "网页（HTML）",
    "an XML document": "XML 文档",
    "a ZIP archive or Office document": "ZIP 压缩包或 Office 文档",
    "a compressed archive": "压缩包",
    "a program": "可执行程序",
    "a video": "视频",
    "Photo purpose must be 1 to 40 lowercase letters or underscores.": "照片用途须为 1 至 40 个小写字母或下划线。",
    "The photo file is missing.": "照片文件不存在。",
}

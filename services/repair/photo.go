package repair

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// Photos of a fault: JPEG or PNG, told by their content (never by a
// name or a declared type), kept with the ticket, shown to its reporter
// and the desk only.
const (
	MaxPhotos     = 6       // photos of one ticket
	MaxPhotoBytes = 5 << 20 // bytes of one photo
	// MaxPhotoBytesOpen bounds the bytes of the photos a person has
	// added to tickets still open: a stranger's phone account may keep
	// MaxOpen tickets open, not MaxOpen × MaxPhotos × MaxPhotoBytes.
	MaxPhotoBytesOpen = 40 << 20
	// MaxPhotoPixels refuses images whose header claims more pixels than
	// any phone's camera takes (a client decoding it would run out of
	// memory).
	MaxPhotoPixels = 100_000_000
	// PhotoKeep is how long after its report a closed ticket's photos
	// are kept; the purge job deletes them after that.
	PhotoKeep = 365 * 24 * time.Hour
)

// Photo is one photo of a ticket; Data is filled only when it is read
// to be served.
type Photo struct {
	ID          int64
	TicketID    int64
	UploaderID  int64
	ContentType string // image/jpeg or image/png
	Bytes       int
	Width       int
	Height      int
	SHA256      string // hex, of Data
	Created     time.Time
	Data        []byte
}

// PhotoView is a photo as the API answers it: URL is where its bytes
// are served.
type PhotoView struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	ContentType string    `json:"content_type"`
	Bytes       int       `json:"bytes"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Created     time.Time `json:"created"`
}

// Errors of photos, besides the package's kinds.
var (
	// ErrTooLarge is a photo over MaxPhotoBytes: a 413.
	ErrTooLarge = errors.New("repair: too large")
	// ErrMediaType is a photo that is neither JPEG nor PNG: a 415.
	ErrMediaType = errors.New("repair: not a JPEG or PNG image")
)

// Refusals of photos.
var (
	ErrPhotoTooLarge = &Error{Kind: ErrTooLarge, Field: "photo",
		En: fmt.Sprintf("a photo is at most %d MB", MaxPhotoBytes>>20), Zh: fmt.Sprintf("照片不能超过 %d MB", MaxPhotoBytes>>20)}
	ErrTooManyPhotos = &Error{Kind: ErrConflict, Code: "too_many_photos", Field: "photo",
		En: fmt.Sprintf("a ticket has at most %d photos", MaxPhotos), Zh: fmt.Sprintf("每张报修单最多 %d 张照片", MaxPhotos)}
	ErrPhotoBytes = &Error{Kind: ErrConflict, Code: "too_many_photo_bytes", Field: "photo",
		En: fmt.Sprintf("your photos on open tickets already take %d MB", MaxPhotoBytesOpen>>20),
		Zh: fmt.Sprintf("您在未完成报修单上的照片已达 %d MB", MaxPhotoBytesOpen>>20)}
	ErrNoPhoto = &Error{Kind: ErrNotFound, En: "no such photo", Zh: "没有该照片"}
)

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// Inspect tells a photo's type and size from its content: a JPEG or PNG
// whose header decodes, no larger than MaxPhotoBytes and MaxPhotoPixels.
func Inspect(b []byte) (contentType string, width, height int, err error) {
	if len(b) > MaxPhotoBytes {
		return "", 0, 0, ErrPhotoTooLarge
	}
	var cfg image.Config
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		contentType = "image/jpeg"
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
	case bytes.HasPrefix(b, pngMagic):
		contentType = "image/png"
		cfg, err = png.DecodeConfig(bytes.NewReader(b))
	default:
		return "", 0, 0, &Error{Kind: ErrMediaType, Field: "photo", En: "a photo must be a JPEG or PNG image", Zh: "照片须为 JPEG 或 PNG 图像"}
	}
	if err != nil {
		return "", 0, 0, &Error{Kind: ErrInvalid, Field: "photo", En: "the photo is not a readable " + contentType + " image",
			Zh: "照片不是可读取的 " + contentType + " 图像"}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPhotoPixels {
		return "", 0, 0, &Error{Kind: ErrInvalid, Field: "photo", En: fmt.Sprintf("the photo claims %d × %d pixels", cfg.Width, cfg.Height),
			Zh: fmt.Sprintf("照片声称有 %d × %d 像素", cfg.Width, cfg.Height)}
	}
	return contentType, cfg.Width, cfg.Height, nil
}

// photoView is p as the API answers it.
func (s *Service) photoView(p Photo) PhotoView {
	return PhotoView{ID: p.ID, URL: fmt.Sprintf("/api/v1/repairs/%d/photos/%d", p.TicketID, p.ID), ContentType: p.ContentType,
		Bytes: p.Bytes, Width: p.Width, Height: p.Height, Created: s.in(p.Created)}
}

// AddPhoto adds photo b to ticket id, by its reporter (while it is not
// closed) or the desk. The same bytes twice are one photo: added is
// false the second time.
func (s *Service) AddPhoto(ctx context.Context, u auth.User, id int64, b []byte) (v PhotoView, added bool, err error) {
	ct, w, h, err := Inspect(b)
	if err != nil {
		return PhotoView{}, false, err
	}
	sum := sha256.Sum256(b)
	p := Photo{TicketID: id, UploaderID: u.ID, ContentType: ct, Bytes: len(b), Width: w, Height: h,
		SHA256: hex.EncodeToString(sum[:]), Created: s.now(), Data: b}
	desk := u.Has(auth.Desk)
	p, added, err = s.st.AddPhoto(ctx, p, func(t Ticket) error {
		switch {
		case !desk && t.ReporterID != u.ID:
			return ErrNoTicket
		case !desk && t.Status == Closed:
			return refuse(ErrConflict, "status", "photo", "a closed ticket takes no more photos", "已关闭的报修单不能再添加照片")
		}
		return nil
	})
	if err != nil {
		return PhotoView{}, false, err
	}
	return s.photoView(p), added, nil
}

// Photo is photo pid of ticket id with its bytes, to the ticket's
// reporter or the desk; to anyone else there is no such ticket.
func (s *Service) Photo(ctx context.Context, u auth.User, id, pid int64) (Photo, error) {
	t, err := s.st.Ticket(ctx, id)
	if err != nil {
		return Photo{}, err
	}
	if !u.Has(auth.Desk) && t.ReporterID != u.ID {
		return Photo{}, ErrNoTicket
	}
	return s.st.Photo(ctx, id, pid)
}

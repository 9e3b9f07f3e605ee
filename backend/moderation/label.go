package moderation

import "strings"

// Item labels name an item in words in the notice its author gets: the
// catalogue entry "moderation.item.<label>" (webapp/ui, en and zh-CN),
// with "{ref}" the task reference where the item belongs to a task. The
// notification carries the label as param "item_label", the reference as
// "ref", and the raw item id as "item_id" (for support); the PWA fills
// "{item}" from the label, so a notice reads "The moderators took down
// your proposal on T-000123: …" and not "… proposal 3f2a…".
const (
	LabelTask           = "task"
	LabelProposal       = "proposal"
	LabelReview         = "review"
	LabelReviewNoRef    = "review_noref"
	LabelReviewReply    = "review_reply"
	LabelReplyNoRef     = "review_reply_noref"
	LabelBio            = "bio"
	LabelPortfolioItem  = "portfolio_item"
	LabelDelivery       = "delivery"
	LabelTaskNote       = "task_note"
	LabelBoardColumn    = "board_column"
	LabelBoardCard      = "board_card"
	LabelBoardChecklist = "board_checklist"
	LabelName           = "name"
	LabelMessage        = "message"
	// LabelText is any other item, or one whose task is not known.
	LabelText = "text"
)

// ItemLabels lists every label ItemLabel returns: each needs a catalogue
// entry in every language (a test in this package checks webapp/ui).
var ItemLabels = []string{
	LabelTask, LabelProposal, LabelReview, LabelReviewNoRef, LabelReviewReply, LabelReplyNoRef,
	LabelBio, LabelPortfolioItem, LabelDelivery, LabelTaskNote, LabelBoardColumn, LabelBoardCard,
	LabelBoardChecklist, LabelName, LabelMessage, LabelText,
}

// ItemLabel names the item of kind with id and app link in words: the
// label and the task reference ("T-000123", or "" when the item belongs
// to no task). The reference comes from the link ("/tasks/T-000123/…"),
// which every task-bound kind's item carries.
func ItemLabel(kind, id, link string) (label, ref string) {
	ref = taskRef(link)
	needsRef := func(l string) (string, string) {
		if ref == "" {
			return LabelText, ""
		}
		return l, ref
	}
	switch kind {
	case KindTask:
		if ref == "" {
			ref = id // a task's item id is its reference
		}
		return LabelTask, ref
	case KindProposal:
		return needsRef(LabelProposal)
	case KindReview:
		if ref == "" {
			return LabelReviewNoRef, ""
		}
		return LabelReview, ref
	case KindReviewReply:
		if ref == "" {
			return LabelReplyNoRef, ""
		}
		return LabelReviewReply, ref
	case KindProfile:
		if strings.HasPrefix(id, "portfolio:") {
			return LabelPortfolioItem, ""
		}
		return LabelBio, ""
	case KindDelivery:
		return needsRef(LabelDelivery)
	case KindTaskNote:
		return needsRef(LabelTaskNote)
	case KindBoard:
		switch {
		case strings.HasPrefix(id, "column:"):
			return needsRef(LabelBoardColumn)
		case strings.HasPrefix(id, "card:"):
			return needsRef(LabelBoardCard)
		case strings.HasPrefix(id, "checklist:"):
			return needsRef(LabelBoardChecklist)
		}
		return needsRef(LabelText)
	case KindName:
		return LabelName, ""
	case KindMessage:
		return LabelMessage, ""
	}
	return LabelText, ""
}

// taskRef is the task reference in an app link "/tasks/<ref>[/…]", or "".
func taskRef(link string) string {
	rest, ok := strings.CutPrefix(link, "/tasks/")
	if !ok {
		return ""
	}
	ref, _, _ := strings.Cut(rest, "/")
	ref, _, _ = strings.Cut(ref, "?")
	if !strings.HasPrefix(ref, "T-") {
		return ""
	}
	return ref
}

// englishLabels are the English catalogue texts of the labels (webapp/ui
// "moderation.item.<label>"; a test keeps them equal), sent as param
// "item" for a client that predates "item_label".
var englishLabels = map[string]string{
	LabelTask:           "your task {ref}",
	LabelProposal:       "your proposal on {ref}",
	LabelReview:         "your review on {ref}",
	LabelReviewNoRef:    "your review",
	LabelReviewReply:    "your reply to a review on {ref}",
	LabelReplyNoRef:     "your reply to a review",
	LabelBio:            "your provider bio",
	LabelPortfolioItem:  "an item of your portfolio",
	LabelDelivery:       "your delivery note on {ref}",
	LabelTaskNote:       "a note on the timeline of {ref}",
	LabelBoardColumn:    "a column on the board of {ref}",
	LabelBoardCard:      "a card on the board of {ref}",
	LabelBoardChecklist: "a checklist item on the board of {ref}",
	LabelName:           "your display name",
	LabelMessage:        "your message",
	LabelText:           "your text",
}
